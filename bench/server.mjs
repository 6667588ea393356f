// The network under test, in its own process (forked by bench/run.mjs, which generates the load).
// A fresh embedded PGlite database in a temporary DATA_DIR, the demo data seeded, logs silenced.
// IPC:  → parent  { type: 'ready', url, driver, advertiserKey }
//       ← parent  { type: 'stats' }   → parent { type: 'stats', cpu: process.cpuUsage(), loopDelay: { p99, max } }
//       ← parent  { type: 'stop' }    stop the network (drains the batched writes, closes the store),
//                                    reopen the data dir from disk and count what is stored
//       → parent  { type: 'stopped', stored, seen, cpu, rssMb }
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { loadConfig } from '../server/dist/config.js'
import { createLogger } from '../server/dist/logger.js'
import { startNetwork } from '../server/dist/main.js'
import { createStorage } from '../server/dist/storage/index.js'

const root = await mkdtemp(join(tmpdir(), 'network-bench-'))
const dataDir = join(root, 'data')

// Only the embedded store: an outer DATABASE_URL / MONGODB_URI must not point the benchmark at a real database.
const { DATABASE_URL: _pg, MONGODB_URI: _mongo, PUBLIC_URL: _public, ...env } = process.env
const config = loadConfig({
  ...env,
  NODE_ENV: 'development',
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  SEED_DEMO: 'true',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  DEMO_SHOP_PORT: '0',
})
const logger = createLogger(config.LOG_LEVEL)
// The demo shop is not started: its URL only ends up in the redirect's Location, which the load generator
// does not follow.
const network = await startNetwork(config, logger, { demoShopUrl: 'http://127.0.0.1:9' }).catch(async (error) => {
  await rm(root, { recursive: true, force: true }).catch(() => {})
  throw error
})

// What this process saw, per endpoint: requests received, and responses completed by status code.
// Durability is then: answered (by the client's count) ≤ stored ≤ received.
const seen = {}
const kindOf = (url = '') =>
  url.startsWith('/c/') ? 'click' : url.startsWith('/px') ? 'pixel' : url.startsWith('/api/v1/conversions') ? 'api' : url.startsWith('/api/v1/orders') ? 'order' : 'other'
// Prepended: it must see req.url before the application (Express strips mount paths from it).
network.server.prependListener('request', (req, res) => {
  const counts = (seen[kindOf(req.url)] ??= { received: 0, finished: {} })
  counts.received++
  res.once('finish', () => {
    counts.finished[res.statusCode] = (counts.finished[res.statusCode] ?? 0) + 1
  })
})

const advertiser = network.demo?.accounts.find((a) => a.role === 'advertiser')
if (!advertiser) throw new Error('the demo data has no advertiser account (SEED_DEMO did not seed?)')

// Offer emails need offers from advertisers other than the shop: one more advertiser with a lead rule.
if (!(await network.storage.accounts.get('acc_bench_offers'))) {
  await network.storage.accounts.create({ id: 'acc_bench_offers', name: 'Bench Offers', email: 'offers@bench.example', roles: ['advertiser'], status: 'active', passwordHash: null })
  await network.storage.campaigns.create({
    id: 'cmp_bench_offers', advertiserId: 'acc_bench_offers', name: 'Bench Offers', description: 'An offer for the benchmark', status: 'active',
    currency: 'EUR', landingUrls: ['https://offers.bench.example/'], cookieWindowDays: 30, holdDays: 30, attribution: 'last_click',
    saleRule: { kind: 'percent', basisPoints: 500 }, leadRule: { kind: 'fixed', amount: 50 },
  })
}

/** Offer emails of orders whose external id starts with `prefix`: how many, and order → sent percentiles (ms). */
async function messageTimes(prefix) {
  const [row] = (await network.storage.sql.query(
    `SELECT count(*)::int AS orders, count(m.id) FILTER (WHERE m.status = 'sent')::int AS sent,
       count(m.id) FILTER (WHERE m.status IN ('queued', 'sending'))::int AS waiting,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM m.sent_at - o.created_at) * 1000) FILTER (WHERE m.status = 'sent') AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM m.sent_at - o.created_at) * 1000) FILTER (WHERE m.status = 'sent') AS p95
     FROM orders o LEFT JOIN messages m ON m.order_id = o.id WHERE o.external_id LIKE $1`,
    [`${prefix}%`],
  )).rows
  return row
}

async function countStored() {
  // Reopened from the data directory after the network has closed its store: only what reached the disk counts.
  const storage = await createStorage({ dataDir })
  await storage.connect()
  try {
    const q = async (text) => (await storage.sql.query(text)).rows
    const [clicks] = await q(`SELECT count(*)::int AS total, count(*) FILTER (WHERE duplicate)::int AS duplicate,
      count(*) FILTER (WHERE bot)::int AS bot FROM clicks`)
    const conversions = await q(`SELECT source, status, reason, count(*)::int AS n FROM conversions GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
    const requestLog = await q(`SELECT kind, outcome, reason, count(*)::int AS n FROM request_log GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
    const [orders] = await q(`SELECT count(*)::int AS total FROM orders`)
    return { clicks, conversions, requestLog, orders: orders.total }
  } finally {
    await storage.close()
  }
}

/** Resolves once the message is handed to the channel (so exiting right after does not drop it). */
const send = (message) =>
  new Promise((resolve) => {
    if (!process.connected) return resolve()
    try {
      process.send(message, () => resolve())
    } catch {
      resolve()
    }
  })

const delay = monitorEventLoopDelay({ resolution: 1 })
delay.enable()
/** Event-loop delay (ms) since the last call. */
function loopDelay() {
  const stats = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }
  delay.reset()
  return stats
}

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  const cpu = process.cpuUsage()
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20)
  try {
    await network.stop()
    const stored = await countStored()
    await send({ type: 'stopped', stored, seen, cpu, rssMb })
  } catch (error) {
    await send({ type: 'failed', message: error instanceof Error ? error.stack : String(error) })
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => {})
    process.exit(0)
  }
}

process.on('message', (message) => {
  if (message?.type === 'stop') void stop()
  if (message?.type === 'messages') void messageTimes(message.prefix).then((times) => send({ type: 'messages', times }))
  // How busy this process was during a scenario: CPU time so far, event-loop delay since the last ask.
  if (message?.type === 'stats') void send({ type: 'stats', cpu: process.cpuUsage(), loopDelay: loopDelay() })
})
// The parent went away (crashed, Ctrl-C): do not linger, do not leave the temporary database behind.
process.on('disconnect', () => void stop())
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())

await send({
  type: 'ready', url: network.url, driver: network.storage.driver, advertiserKey: advertiser.apiKey,
  rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
})
