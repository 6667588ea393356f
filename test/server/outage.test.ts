// The store going away under load: on a PostgreSQL cluster of the test's own, stopped and started again while
// visitors click and convert. Every click is redirected, every acknowledged hit is in the database afterwards
// exactly once (spooled hits replayed), /healthz says 503 while the store is away and 200 when it is back.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScenario, type Scenario } from '../support/fixtures.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'
import { clusterUnavailable, startCluster, type PgCluster } from '../support/pgCluster.js'

const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0'

interface Acked {
  clicks: string[]
  conversions: Array<{ orderId: string; clickId: string }>
  /** Requests that got anything but their success answer (the test expects none). */
  failures: string[]
}

/** Visitors at about `rate` per second: each clicks the link, then converts on the pixel with the click id. */
function load(base: string, s: Scenario, rate: number) {
  const acked: Acked = { clicks: [], conversions: [], failures: [] }
  let stopped = false
  let n = 0
  const inFlight = new Set<Promise<void>>()
  const visit = async (i: number) => {
    const ua = `${browser} visitor/${i}`
    try {
      const click = await fetch(`${base}/c/${s.linkCode}?sub1=v${i}`, { redirect: 'manual', headers: { 'user-agent': ua }, signal: AbortSignal.timeout(20_000) })
      const location = click.headers.get('location')
      if (click.status !== 302 || !location) return void acked.failures.push(`click ${i}: ${click.status}`)
      const clickId = new URL(location).searchParams.get('nclid') as string
      acked.clicks.push(clickId)
      const orderId = `order-${i}`
      const pixel = await fetch(`${base}/px?t=${s.trackingCode}&id=${orderId}&amount=10.00&nclid=${clickId}`, { headers: { 'user-agent': ua }, signal: AbortSignal.timeout(20_000) })
      await pixel.arrayBuffer()
      if (pixel.status !== 200) return void acked.failures.push(`pixel ${i}: ${pixel.status}`)
      acked.conversions.push({ orderId, clickId })
    } catch (error) {
      acked.failures.push(`visit ${i}: ${(error as Error).message}`)
    }
  }
  const timer = setInterval(() => {
    if (stopped) return
    const p = visit(n++).finally(() => inFlight.delete(p))
    inFlight.add(p)
  }, 1000 / rate)
  return {
    acked,
    async stop() {
      stopped = true
      clearInterval(timer)
      await Promise.all(inFlight)
      return acked
    },
  }
}

const acked0 = (traffic: { acked: Acked }) => traffic.acked.clicks[0] as string

async function health(base: string) {
  const started = Date.now()
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) })
  return { status: res.status, ms: Date.now() - started, body: (await res.json()) as { spool: { waiting: number; active: boolean } } }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

if (clusterUnavailable) console.warn(`[outage] skipped: ${clusterUnavailable}`)

describe.skipIf(clusterUnavailable !== null)('the store going away under load (a PostgreSQL cluster of the test’s own)', () => {
  let cluster: PgCluster
  let spoolDir: string
  beforeAll(async () => {
    cluster = await startCluster()
    spoolDir = mkdtempSync(join(tmpdir(), 'outage-spool-'))
  }, 60_000)
  afterAll(() => {
    cluster?.destroy()
    rmSync(spoolDir, { recursive: true, force: true })
  })

  async function database<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
    const db = new pg.Client({ connectionString: cluster.url })
    await db.connect()
    try {
      return await fn(db)
    } finally {
      await db.end()
    }
  }

  it('redirects every click, keeps every acknowledged hit, answers 503 then 200 on /healthz, and empties the spool within 10 s', async () => {
    const network: TestNetwork = await startTestNetwork({
      DATABASE_URL: cluster.url, SPOOL_DIR: spoolDir, DB_CONNECT_TIMEOUT_MS: '1000', DUPLICATE_CLICK_WINDOW_SECONDS: '0',
    })
    try {
      const s = await createScenario(network.storage)
      const unseen = await createScenario(network.storage)
      const traffic = load(network.url, s, 40)
      await until('hits stored directly', async () => (traffic.acked.conversions.length >= 20 ? true : undefined), 20_000)
      expect((await health(network.url)).status).toBe(200)

      cluster.stop('fast')
      const down = await until('/healthz 503', async () => {
        const h = await health(network.url)
        return h.status === 503 ? h : undefined
      }, 10_000)
      expect(down.ms).toBeLessThan(1_500)
      // Hits keep being answered while the store is away: they wait in the spool.
      const spooled = await until('hits in the spool', async () => {
        const h = await health(network.url)
        return h.body.spool.waiting >= 100 ? h : undefined
      }, 20_000)
      expect(spooled.status).toBe(503)
      // The JSON API and postbacks, whose callers are servers that can retry, say so instead of waiting.
      const api = await fetch(`${network.url}/api/v1/me`, { headers: { authorization: `Bearer ${s.advertiserKey}` }, signal: AbortSignal.timeout(5_000) })
      expect(api.status).toBe(503)
      expect(api.headers.get('retry-after')).toBe('5')
      expect(await api.json()).toEqual({ error: { code: 'store_unavailable', message: expect.any(String) } })
      const postback = await fetch(`${network.url}/postback?t=${s.trackingCode}&id=pb-1&amount=5.00&nclid=${acked0(traffic)}&token=${s.postbackSecret}`, { signal: AbortSignal.timeout(5_000) })
      expect(postback.status).toBe(503)
      expect(postback.headers.get('retry-after')).toBe('5')
      // A link this process never saw cannot be answered without the store: a page that says try again.
      const unknown = await fetch(`${network.url}/c/${unseen.linkCode}`, { redirect: 'manual', headers: { 'user-agent': browser }, signal: AbortSignal.timeout(5_000) })
      expect(unknown.status).toBe(503)
      expect(unknown.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await unknown.text()).toContain('try again')

      cluster.start()
      const back = Date.now()
      await until('/healthz 200 with an empty spool', async () => {
        const h = await health(network.url)
        return h.status === 200 && h.body.spool.waiting === 0 && !h.body.spool.active ? h : undefined
      }, 10_000)
      expect(Date.now() - back).toBeLessThan(10_000)
      const acked = await traffic.stop()
      await network.services.drain()

      expect(acked.failures).toEqual([])
      expect(acked.clicks.length).toBeGreaterThanOrEqual(60)
      await database(async (db) => {
        const clicks = new Set((await db.query('SELECT id FROM clicks')).rows.map((r) => r.id))
        expect(acked.clicks.filter((id) => !clicks.has(id))).toEqual([])
        const conversions = new Map((await db.query('SELECT order_id, click_id, publisher_id FROM conversions')).rows.map((r) => [r.order_id, r]))
        for (const c of acked.conversions) {
          expect(conversions.get(c.orderId), c.orderId).toMatchObject({ click_id: c.clickId, publisher_id: s.publisherId })
        }
        // Exactly once: one request-log entry per answered hit, replays included.
        const logged = await db.query(`SELECT kind, count(*)::int AS n FROM request_log GROUP BY kind`)
        const count = Object.fromEntries(logged.rows.map((r) => [r.kind, r.n]))
        expect(count.click).toBe(acked.clicks.length)
        expect(count.pixel).toBe(acked.conversions.length)
      })
    } finally {
      await network.destroy()
    }
  }, 120_000)
})
