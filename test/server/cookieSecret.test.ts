// The development cookie secret kept in DATA_DIR: made once, atomically (concurrent first starts agree), owner-only.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dataDirCookieSecret } from '../../server/src/cookieSecret.js'

describe('the cookie secret in DATA_DIR', () => {
  const dirs: string[] = []
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cookie-secret-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })

  it('is made once per folder, mode 0600, and read again after', async () => {
    const dir = join(temp(), 'not-yet-there')
    const secrets = await Promise.all(Array.from({ length: 8 }, () => dataDirCookieSecret(dir)))
    expect(new Set(secrets).size).toBe(1)
    expect(secrets[0]).toMatch(/^[\w-]{43}$/)
    expect(statSync(join(dir, 'cookie-secret')).mode & 0o777).toBe(0o600)
    expect(await dataDirCookieSecret(dir)).toBe(secrets[0])
    expect(await dataDirCookieSecret(temp())).not.toBe(secrets[0])
  })

  it('refuses a file that holds no usable secret rather than replacing it', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'cookie-secret'), 'short\n')
    await expect(dataDirCookieSecret(dir)).rejects.toThrow(/cookie-secret holds no usable cookie secret/)
  })
})
