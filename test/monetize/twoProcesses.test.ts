// Never two emails for one order, also with two server processes on one PostgreSQL: both processes get every
// notification at once; Agenda's locks and the message claim let exactly one email out per order. The claim is
// put to the test deterministically: while one process's send waits for Mailgun (the fake holds its answer, and
// the process is stopped), the other runs the same message's job again — and must claim nothing, send nothing.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newApiKey, newId } from '../../server/src/ids.js'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { startFakeMailgun, type FakeMailgun } from '../support/fakeMailgun.js'
import { runJob } from '../support/jobs.js'

const serverUrl = process.env.TEST_DATABASE_URL
if (!serverUrl) console.warn('[monetize] two-process exactly-once test skipped: TEST_DATABASE_URL is not set')

describe.skipIf(!serverUrl)('offer emails with two server processes on one PostgreSQL', () => {
  const database = `twoproc_${randomUUID().replaceAll('-', '').slice(0, 10)}`
  let admin: pg.Client
  let mailgun: FakeMailgun
  const processes: ChildProcess[] = []
  const urls: string[] = []
  let storage: PostgresStorage

  /** Each process sends through its own Mailgun domain, so the fake tells which process sent a request. */
  const domainOf = (name: string) => `mg.${name}.example`

  function startServer(name: string): Promise<string> {
    const url = new URL(serverUrl as string)
    url.pathname = `/${database}`
    const child = spawn(process.execPath, ['server/dist/main.js'], {
      env: {
        ...process.env, PORT: '0', DEMO_SHOP_PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'warn', DATABASE_URL: url.href,
        COOKIE_SECRET: 'shared-secret-for-both-processes', MAILGUN_API_KEY: 'key-two', MAILGUN_DOMAIN: domainOf(name), MAILGUN_URL: mailgun.url,
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

  let shopId: string
  let shopKey: string

  async function createShop() {
    shopId = newId('acc')
    await storage.accounts.create({ id: shopId, name: 'Twin Shop', email: 'twin@shop.example', roles: ['publisher'], status: 'active', passwordHash: null })
    const key = newApiKey()
    shopKey = key.key
    await storage.apiKeys.create({ id: newId('key'), accountId: shopId, name: 'k', prefix: key.prefix, hash: key.hash })
    const advertiserId = newId('acc')
    await storage.accounts.create({ id: advertiserId, name: 'Offer Co', email: 'offers@co.example', roles: ['advertiser'], status: 'active', passwordHash: null })
    await storage.campaigns.create({
      id: newId('cmp'), advertiserId, name: 'Offer Co', description: 'A fine offer', status: 'active', currency: 'EUR', landingUrls: ['https://offer.example/'],
      cookieWindowDays: 30, holdDays: 30, attribution: 'last_click', saleRule: null, leadRule: { kind: 'fixed', amount: 100 },
    })
  }

  const notify = (url: string, order: Record<string, string>) =>
    fetch(`${url}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${shopKey}`, 'content-type': 'application/json' }, body: JSON.stringify(order) })

  /**
   * Resolves once no offer-email job is waiting, running or due again (a retry) in either process: from then on no
   * process sends anything, so what Mailgun got is all it will get.
   */
  async function drained(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const { rows } = await storage.sql.query(
        `SELECT count(*)::int AS n FROM agenda_jobs WHERE name = 'offer-email.send' AND (last_finished_at IS NULL OR locked_at IS NOT NULL OR next_run_at IS NOT NULL)`,
      )
      const pending = (rows[0] as { n: number }).n
      if (pending === 0) return
      if (Date.now() > end) throw new Error(`${pending} offer-email jobs still pending after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  it('sends exactly one email per order when both processes receive every notification', async () => {
    await createShop()
    const orders = Array.from({ length: 12 }, (_, i) => ({ orderId: `TWIN-${i}`, email: `twin${i}@mail.example`, amount: '10.00', currency: 'EUR' }))
    const responses = await Promise.all(orders.flatMap((order) => urls.map((url) => notify(url, order))))
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202))
    await mailgun.waitFor(orders.length, 20_000)
    await drained()
    const recipients = mailgun.requests.map((m) => m.fields.to?.[0]).sort()
    expect(recipients).toEqual(orders.map((o) => o.email).sort())
    const messages = await storage.messages.listByAccount(shopId, 100)
    expect(messages).toHaveLength(orders.length)
    expect(messages.every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true)
  }, 60_000)

  it('lets a second run of the job in the other process claim nothing while the first send waits for Mailgun', async () => {
    const before = mailgun.requests.length
    const held = mailgun.holdNext()
    const order = { orderId: 'TWIN-HELD', email: 'held@mail.example', amount: '10.00', currency: 'EUR' }
    expect((await notify(urls[0]!, order)).status).toBe(202)
    // The first send is at Mailgun, unanswered: its process has claimed the message and waits.
    const first = await held.received
    const senderIndex = [domainOf('first'), domainOf('second')].indexOf(first.domain)
    expect(senderIndex).toBeGreaterThanOrEqual(0)
    const sender = processes[senderIndex]!
    // Stopped, the sender cannot pick up the second run: the other process must.
    sender.kill('SIGSTOP')
    try {
      const [message] = (await storage.messages.listByAccount(shopId, 100)).filter((m) => m.recipient === order.email)
      expect(message).toMatchObject({ status: 'sending', attempts: 1 })
      // The same message's job again (a redelivered or duplicated job), run to its end by the other process.
      const second = await runJob(storage, 'offer-email.send', { messageId: message!.id })
      expect(second).toMatchObject({ failed: false })
      // It found the message claimed: no second request, no second attempt.
      expect(mailgun.requests.slice(before).map((r) => r.get('to'))).toEqual([order.email])
      expect(await storage.messages.get(message!.id)).toMatchObject({ status: 'sending', attempts: 1 })
    } finally {
      sender.kill('SIGCONT')
      held.release()
    }
    await drained()
    expect(mailgun.requests.slice(before).map((r) => r.get('to'))).toEqual([order.email])
    const [sent] = (await storage.messages.listByAccount(shopId, 100)).filter((m) => m.recipient === order.email)
    expect(sent).toMatchObject({ status: 'sent', attempts: 1 })
  }, 60_000)
})
