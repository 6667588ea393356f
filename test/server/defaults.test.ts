// Production defaults that are safe: no demo data unless asked for, HSTS on every answer, X-Forwarded-For believed
// only from the proxies TRUST_PROXY names, failed API keys and browser orders throttled in the store, a dev cookie
// secret that is random and kept in DATA_DIR, one process per embedded DATA_DIR.
import { statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newApiKey, newId } from '../../server/src/ids.js'
import { DataDirLockedError } from '../../server/src/storage/dataDirLock.js'
import { hashIp } from '../../server/src/tracking/visitor.js'
import { apiKeyFailures } from '../../server/src/api/auth.js'
import { createScenario } from '../support/fixtures.js'
import { personWithPassword, signInAttempts } from '../support/limits.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

const hsts = 'max-age=31536000; includeSubDomains'
const secret = 'a-long-enough-production-secret'

describe('in production', () => {
  let network: TestNetwork
  beforeAll(async () => {
    // SEED_DEMO unset (an empty variable is unset): production's default applies.
    network = await startTestNetwork({ NODE_ENV: 'production', COOKIE_SECRET: secret, DATA_DIR: 'memory://', SEED_DEMO: '' })
  })
  afterAll(async () => { await network?.destroy() })

  it('seeds no demo data unless SEED_DEMO=true', async () => {
    expect(network.services.config.SEED_DEMO).toBe(false)
    expect(network.demo).toBeNull()
    expect(await network.storage.accounts.list()).toEqual([])
  })

  it('sends Strict-Transport-Security on the tracking hot paths and on Express pages', async () => {
    for (const path of ['/c/no-such-link', '/px?t=nothing', '/portal/sign-in', '/healthz', '/api/v1/me', '/no-such-page']) {
      const res = await fetch(network.url + path, { redirect: 'manual' })
      expect({ path, hsts: res.headers.get('strict-transport-security') }).toEqual({ path, hsts })
    }
  })
})

describe('outside production', () => {
  let network: TestNetwork
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'defaults-dev-'))
    network = await startTestNetwork({}, dir)
  })
  afterAll(async () => {
    await network?.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sends no HSTS (plain http on a developer machine)', async () => {
    expect((await fetch(`${network.url}/c/no-such-link`)).headers.get('strict-transport-security')).toBeNull()
    expect((await fetch(`${network.url}/healthz`)).headers.get('strict-transport-security')).toBeNull()
  })

  it('keeps a random cookie secret in DATA_DIR, readable by its owner only, and uses it again after a restart', async () => {
    const file = join(dir, 'cookie-secret')
    const kept = readFileSync(file, 'utf8').trim()
    expect(kept).toMatch(/^[\w-]{43}$/)
    expect(network.services.config.cookieSecret).toBe(kept)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    await network.stop()
    // Restarted on the same folder (the lock was released at stop): the same secret, so cookies stay valid.
    network = await startTestNetwork({}, dir)
    expect(network.services.config.cookieSecret).toBe(kept)
  })

  it('refuses a second start on the same embedded DATA_DIR while the first runs', async () => {
    const second = startTestNetwork({}, dir)
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError)
    await expect(second).rejects.toThrow(new RegExp(`pid ${process.pid}\\b`))
  })
})

describe('X-Forwarded-For and the sign-in limit', () => {
  let plain: TestNetwork
  let proxied: TestNetwork
  beforeAll(async () => {
    ;[plain, proxied] = await Promise.all([
      startTestNetwork({ DATA_DIR: 'memory://' }),
      startTestNetwork({ DATA_DIR: 'memory://', TRUST_PROXY: '1' }),
    ])
  })
  afterAll(async () => { await Promise.all([plain?.destroy(), proxied?.destroy()]) })

  it('is not escaped by a rotating X-Forwarded-For when TRUST_PROXY is unset', async () => {
    const who = await personWithPassword(plain)
    const attempt = await signInAttempts(plain.url)
    for (let i = 1; i <= 5; i++) expect((await attempt(who.email, 'wrong', `198.51.100.${i}`)).status).toBe(401)
    // The sixth, from "another" address, and with the right password: still refused, with how long to wait.
    const refused = await attempt(who.email, who.password, '198.51.100.6')
    expect(refused.status).toBe(429)
    expect(Number(refused.retryAfter)).toBeGreaterThan(0)
  })

  it('honours X-Forwarded-For from one proxy when TRUST_PROXY=1', async () => {
    const who = await personWithPassword(proxied)
    const attempt = await signInAttempts(proxied.url)
    for (let i = 1; i <= 7; i++) expect((await attempt(who.email, 'wrong', `198.51.100.${i}`)).status).toBe(401)
    expect((await attempt(who.email, who.password, '198.51.100.8')).status).toBe(303)
    // One address still has its limit.
    for (let i = 1; i <= 5; i++) expect((await attempt(who.email, 'wrong', '203.0.113.9')).status).toBe(401)
    expect((await attempt(who.email, who.password, '203.0.113.9')).status).toBe(429)
  })

  it('reads the client address of a tracking hot path by the same rule', async () => {
    for (const network of [plain, proxied]) {
      const s = await createScenario(network.storage)
      const res = await fetch(`${network.url}/c/${s.linkCode}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/130.0', 'x-forwarded-for': '203.0.113.50' } })
      const clickId = new URL(res.headers.get('location')!).searchParams.get('nclid')!
      const click = await network.storage.clicks.get(clickId)
      const forwarded = hashIp(network.services.config.cookieSecret, '203.0.113.50')
      if (network === proxied) expect(click!.ipHash).toBe(forwarded)
      else expect(click!.ipHash).not.toBe(forwarded)
    }
  })
})

describe('failed API keys and browser orders are throttled per address', () => {
  let network: TestNetwork
  beforeAll(async () => { network = await startTestNetwork({ DATA_DIR: 'memory://' }) })
  afterAll(async () => { await network?.destroy() })

  it(`answers 429 after ${apiKeyFailures.limit} failed API keys, also to a right key from that address`, async () => {
    const good = newApiKey()
    const id = newId('acc')
    await network.storage.accounts.create({ id, name: 'Keyed', email: `${id}@example.com`, roles: ['advertiser'], status: 'active', passwordHash: null })
    await network.storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'k', prefix: good.prefix, hash: good.hash })
    const call = (key: string, from: string) => fetch(`${network.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': from } })
    expect((await call(good.key, '192.0.2.1')).status).toBe(200)
    for (let i = 0; i < apiKeyFailures.limit; i++) expect((await call(`nw_wrong${i}`, `192.0.2.${i}`)).status).toBe(401)
    for (const key of ['nw_wrong-again', good.key]) {
      const res = await call(key, '192.0.2.99')
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(apiKeyFailures.windowMs / 1000)
      expect(await res.json()).toMatchObject({ error: { code: 'too_many_failures' } })
    }
  })

  it('accepts 5 browser orders per visitor address in 10 minutes (a rotating X-Forwarded-For does not escape it)', async () => {
    const s = await createScenario(network.storage)
    await network.storage.accounts.update(s.advertiserId, { roles: ['advertiser', 'publisher'] })
    const order = (n: number) => fetch(`${network.url}/px`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `192.0.2.${n}` },
      body: new URLSearchParams({ type: 'order', t: s.trackingCode, id: `O-${n}`, email: `buyer${n}@mail.example`, amount: '10.00', currency: 'EUR' }),
    })
    for (let n = 1; n <= 5; n++) expect((await order(n)).status).toBe(202)
    const refused = await order(6)
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } })
  })
})
