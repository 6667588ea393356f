// Outside production without COOKIE_SECRET: a random secret made once per DATA_DIR and kept there
// (DATA_DIR/cookie-secret, readable by its owner only), so network cookies and sessions outlive a restart and
// nobody can forge them with a default printed in the source. Production requires COOKIE_SECRET (config.ts).
import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const cookieSecretFileName = 'cookie-secret'

/** The secret in `dataDir`, created on first use. Concurrent first starts agree on one (the file is linked into place). */
export async function dataDirCookieSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, cookieSecretFileName)
  const read = async () => {
    const secret = (await readFile(path, 'utf8')).trim()
    if (secret.length < 16) throw new Error(`${path} holds no usable cookie secret: delete it to have a new one made, or set COOKIE_SECRET`)
    return secret
  }
  try {
    return await read()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(dataDir, { recursive: true })
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(aside, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })
  try {
    await link(aside, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await unlink(aside).catch(() => {})
  }
  return read()
}
