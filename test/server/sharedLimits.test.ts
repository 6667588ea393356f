// Two network processes on one PostgreSQL share one count per limit: N failed sign-ins (or API keys, or browser
// orders) in all, not N per process. Both run in-process here, each with its own app, services and pool.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiKeyFailures } from '../../server/src/api/auth.js'
import { createScenario } from '../support/fixtures.js'
import { personWithPassword, signInAttempts } from '../support/limits.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'

const serverUrl = process.env.TEST_DATABASE_URL
if (!serverUrl) console.warn('[server] shared rate-limit test skipped: TEST_DATABASE_URL is not set')

describe.skipIf(!serverUrl)('rate limits across two processes on one PostgreSQL', () => {
  const database = `limits_${randomUUID().replaceAll('-', '').slice(0, 10)}`
  let admin: pg.Client
  let first: TestNetwork
  let second: TestNetwork

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    const url = new URL(serverUrl as string)
    url.pathname = `/${database}`
    // One secret, as every process of a deployment has: the address hashes (the limits' keys) agree.
    const env = { DATABASE_URL: url.href, DATA_DIR: 'memory://', COOKIE_SECRET: 'one-secret-for-both-processes' }
    first = await startTestNetwork(env)
    second = await startTestNetwork(env)
  }, 60_000)

  afterAll(async () => {
    await first?.destroy()
    await second?.destroy()
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin?.end()
  })

  it('refuses the sixth failed sign-in for an address and email, wherever the five before it were made', async () => {
    const who = await personWithPassword(first)
    const [onFirst, onSecond] = await Promise.all([signInAttempts(first.url), signInAttempts(second.url)])
    for (const attempt of [onFirst, onSecond, onFirst, onSecond, onFirst]) expect((await attempt(who.email, 'wrong')).status).toBe(401)
    expect((await onSecond(who.email, who.password)).status).toBe(429)
    expect((await onFirst(who.email, who.password)).status).toBe(429)
  })

  it(`refuses an address after ${apiKeyFailures.limit} failed API keys made on both processes`, async () => {
    const call = (network: TestNetwork, key: string) => fetch(`${network.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })
    for (let i = 0; i < apiKeyFailures.limit; i++) expect((await call(i % 2 ? first : second, `nw_wrong${i}`)).status).toBe(401)
    expect((await call(first, 'nw_wrong')).status).toBe(429)
    expect((await call(second, 'nw_wrong')).status).toBe(429)
  })

  it('accepts 5 browser orders per visitor on the two processes together', async () => {
    const s = await createScenario(first.storage)
    await first.storage.accounts.update(s.advertiserId, { roles: ['advertiser', 'publisher'] })
    const order = (network: TestNetwork, n: number) => fetch(`${network.url}/px`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ type: 'order', t: s.trackingCode, id: `O-${n}`, email: `buyer${n}@mail.example`, amount: '10.00', currency: 'EUR' }),
    })
    for (let n = 1; n <= 5; n++) expect((await order(n % 2 ? first : second, n)).status).toBe(202)
    expect((await order(first, 6)).status).toBe(429)
    expect((await order(second, 7)).status).toBe(429)
  })
})
