// kill -9 under load loses no acknowledged hit: the real server process (node server/dist/main.js) is killed
// while visitors click and convert, started again on the same data, and every hit that got its answer is in
// the store afterwards — on the embedded store, and on PostgreSQL while it was away (the hits in the spool).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { clusterUnavailable, startCluster, type PgCluster } from '../support/pgCluster.js'
import { migratedDataDir } from '../support/network.js'

const main = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url))
const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0'

interface Server {
  child: ChildProcess
  url: string
}

function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH, PORT: '0', DEMO_SHOP_PORT: '0', SEED_DEMO: 'true', LOG_LEVEL: 'silent', NODE_ENV: 'test',
      COOKIE_SECRET: 'crash-test-cookie-secret-0123456789', DUPLICATE_CLICK_WINDOW_SECONDS: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Network\s+(http:\/\/\S+)/.exec(out)
      if (match) {
        child.stdout?.off('data', onData)
        resolve({ child, url: match[1] as string })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => void (out += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready:\n${out}`)))
  })
}

function kill9(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve())
    server.child.kill('SIGKILL')
  })
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve()
    server.child.once('exit', () => resolve())
    server.child.kill('SIGTERM')
  })
}

interface Acked {
  clicks: string[]
  conversions: Map<string, string>
}

/** Visitors, `concurrency` at a time, until `stop`: a click, then a pixel conversion naming it. */
function visitors(url: string, concurrency: number) {
  const acked: Acked = { clicks: [], conversions: new Map() }
  let stopped = false
  let n = 0
  const worker = async () => {
    while (!stopped) {
      const i = n++
      try {
        const click = await fetch(`${url}/c/demo-link?sub1=v${i}`, { redirect: 'manual', headers: { 'user-agent': `${browser} v/${i}` } })
        const location = click.headers.get('location')
        if (click.status !== 302 || !location) continue
        const clickId = new URL(location).searchParams.get('nclid') as string
        acked.clicks.push(clickId)
        const pixel = await fetch(`${url}/px?t=TCDEMOSHOP&id=crash-${i}&amount=20.00&nclid=${clickId}`, { headers: { 'user-agent': `${browser} v/${i}` } })
        await pixel.arrayBuffer()
        if (pixel.status === 200) acked.conversions.set(`crash-${i}`, clickId)
      } catch {
        // The process was killed under this request: it was never acknowledged.
      }
    }
  }
  const workers = Array.from({ length: concurrency }, worker)
  return {
    acked,
    async stop() {
      stopped = true
      await Promise.all(workers)
      return acked
    },
  }
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const healthy = async (url: string) => {
  const res = await fetch(`${url}/healthz`)
  const body = (await res.json()) as { spool: { waiting: number; active: boolean } }
  return res.status === 200 && body.spool.waiting === 0 && !body.spool.active
}

interface Stored {
  clicks: Set<string>
  conversions: Map<string, string | null>
}

function expectAllKept(acked: Acked, stored: Stored) {
  expect(acked.clicks.length).toBeGreaterThan(20)
  expect(acked.clicks.filter((id) => !stored.clicks.has(id))).toEqual([])
  const lost = [...acked.conversions].filter(([orderId, clickId]) => stored.conversions.get(orderId) !== clickId)
  expect(lost).toEqual([])
}

describe('kill -9 under load', () => {
  const dirs: string[] = []
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    dirs.push(dir)
    return dir
  }
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('loses no acknowledged click or conversion on the embedded store', async () => {
    // Already migrated (a copy of the test template): the server starts in a second, not after initdb in wasm.
    const dataDir = await migratedDataDir('crash-pglite-')
    dirs.push(dataDir)
    const first = await startServer({ DATA_DIR: dataDir })
    const traffic = visitors(first.url, 4)
    await until('acknowledged conversions', async () => traffic.acked.conversions.size >= 30, 30_000)
    await kill9(first)
    const acked = await traffic.stop()

    const second = await startServer({ DATA_DIR: dataDir })
    await until('a healthy restart', () => healthy(second.url), 15_000)
    await stop(second)
    const storage = new PostgresStorage({ driver: 'pglite', dataDir })
    await storage.connect()
    try {
      const clicks = await storage.sql.query<{ id: string }>('SELECT id FROM clicks')
      const conversions = await storage.sql.query<{ order_id: string; click_id: string | null }>("SELECT order_id, click_id FROM conversions WHERE order_id LIKE 'crash-%'")
      expectAllKept(acked, { clicks: new Set(clicks.rows.map((r) => r.id)), conversions: new Map(conversions.rows.map((r) => [r.order_id, r.click_id])) })
    } finally {
      await storage.close()
    }
  }, 120_000)

  if (clusterUnavailable) console.warn(`[crash] the PostgreSQL outage case is skipped: ${clusterUnavailable}`)
  it.skipIf(clusterUnavailable !== null)('loses no acknowledged hit that waited in the spool while PostgreSQL was away', async () => {
    const cluster: PgCluster = await startCluster()
    try {
      const env = { DATA_DIR: temp('crash-pg-data-'), SPOOL_DIR: temp('crash-pg-spool-'), DATABASE_URL: cluster.url, DB_CONNECT_TIMEOUT_MS: '1000' }
      const first = await startServer(env)
      // Warm the caches: a link and tracking code seen before the outage still answer during it.
      const warm = visitors(first.url, 2)
      await until('conversions stored directly', async () => warm.acked.conversions.size >= 5, 30_000)
      cluster.stop('fast')
      const before = { clicks: warm.acked.clicks.length, conversions: warm.acked.conversions.size }
      // Both counted: a visitor's click acknowledged before the outage may see its conversion acknowledged after.
      await until('hits spooled', async () => warm.acked.conversions.size >= before.conversions + 30 && warm.acked.clicks.length >= before.clicks + 30, 30_000)
      await kill9(first)
      const acked = await warm.stop()
      expect(acked.clicks.length - before.clicks).toBeGreaterThanOrEqual(30)

      cluster.start()
      const second = await startServer(env)
      await until('the spool replayed', () => healthy(second.url), 15_000)
      await stop(second)
      const db = new pg.Client({ connectionString: cluster.url })
      await db.connect()
      try {
        const clicks = await db.query('SELECT id FROM clicks')
        const conversions = await db.query("SELECT order_id, click_id FROM conversions WHERE order_id LIKE 'crash-%'")
        expectAllKept(acked, { clicks: new Set(clicks.rows.map((r) => r.id)), conversions: new Map(conversions.rows.map((r) => [r.order_id, r.click_id])) })
      } finally {
        await db.end()
      }
    } finally {
      cluster.destroy()
    }
  }, 120_000)
})
