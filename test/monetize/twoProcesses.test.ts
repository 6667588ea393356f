// Never two emails for one order, also with two server processes on one PostgreSQL: both processes get every
// notification at once; Agenda's locks and the message claim let exactly one email out per order.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newApiKey, newId } from '../../server/src/ids.js'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { startFakeMailgun, type FakeMailgun } from '../support/fakeMailgun.js'

const serverUrl = process.env.TEST_DATABASE_URL
if (!serverUrl) console.warn('[monetize] two-process exactly-once test skipped: TEST_DATABASE_URL is not set')

describe.skipIf(!serverUrl)('offer emails with two server processes on one PostgreSQL', () => {
  const database = `twoproc_${randomUUID().replaceAll('-', '').slice(0, 10)}`
  let admin: pg.Client
  let mailgun: FakeMailgun
  const processes: ChildProcess[] = []
  const urls: string[] = []
  let storage: PostgresStorage

  function startServer(name: string): Promise<string> {
    const url = new URL(serverUrl as string)
    url.pathname = `/${database}`
    const child = spawn(process.execPath, ['server/dist/main.js'], {
      env: {
        ...process.env, PORT: '0', DEMO_SHOP_PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'warn', DATABASE_URL: url.href,
        COOKIE_SECRET: 'shared-secret-for-both-processes', MAILGUN_API_KEY: 'key-two', MAILGUN_DOMAIN: 'mg.two.example', MAILGUN_URL: mailgun.url,
        MONGODB_URI: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    processes.push(child)
    return new Promise((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 30_000)
      const read = (chunk: Buffer) => {
        out += chunk
        const match = /Network\s+(http:\/\/\S+)/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      }
      child.stdout!.on('data', read)
      child.stderr!.on('data', read)
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)))
    })
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    mailgun = await startFakeMailgun()
    // Started together: migrations take an advisory lock, so concurrent starts are safe.
    urls.push(...(await Promise.all([startServer('first'), startServer('second')])))
    const url = new URL(serverUrl as string)
    url.pathname = `/${database}`
    storage = new PostgresStorage({ driver: 'postgres', connectionString: url.href })
    await storage.connect()
  }, 90_000)

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM')
    await Promise.all(processes.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))))
    await storage?.close()
    await mailgun?.close()
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin?.end()
  }, 60_000)

  it('sends exactly one email per order when both processes receive every notification', async () => {
    const shopId = newId('acc')
    await storage.accounts.create({ id: shopId, name: 'Twin Shop', email: 'twin@shop.example', roles: ['publisher'], status: 'active', passwordHash: null })
    const key = newApiKey()
    await storage.apiKeys.create({ id: newId('key'), accountId: shopId, name: 'k', prefix: key.prefix, hash: key.hash })
    const advertiserId = newId('acc')
    await storage.accounts.create({ id: advertiserId, name: 'Offer Co', email: 'offers@co.example', roles: ['advertiser'], status: 'active', passwordHash: null })
    await storage.campaigns.create({
      id: newId('cmp'), advertiserId, name: 'Offer Co', description: 'A fine offer', status: 'active', currency: 'EUR', landingUrls: ['https://offer.example/'],
      cookieWindowDays: 30, holdDays: 30, attribution: 'last_click', saleRule: null, leadRule: { kind: 'fixed', amount: 100 },
    })
    const orders = Array.from({ length: 12 }, (_, i) => ({ orderId: `TWIN-${i}`, email: `twin${i}@mail.example`, amount: '10.00', currency: 'EUR' }))
    const responses = await Promise.all(orders.flatMap((order) => urls.map((url) =>
      fetch(`${url}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' }, body: JSON.stringify(order) }))))
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202))
    await mailgun.waitFor(orders.length, 20_000)
    // Give a wrongly duplicated send time to show up.
    await new Promise((r) => setTimeout(r, 1500))
    const recipients = mailgun.requests.map((m) => m.fields.to?.[0]).sort()
    expect(recipients).toEqual(orders.map((o) => o.email).sort())
    const messages = await storage.messages.listByAccount(shopId, 100)
    expect(messages).toHaveLength(orders.length)
    expect(messages.every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true)
  }, 60_000)
})
