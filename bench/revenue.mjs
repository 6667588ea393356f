// The benchmark of revenue from campaigns (F7) on the embedded store (PGlite in a folder, as `npm start` uses):
// 1,000,000 orders of one advertiser and 5,000,000 message events (1,250,000 offer emails from 50 shops to
// 200,000 buyers over a year, 4 events each), generated inside the database with generate_series. It then
//   1. attributes every order under the advertiser's settings (what a settings change costs, in batches),
//   2. starts the real network on that folder and times GET /api/v1/revenue/report over HTTP: the whole year
//      (1,000,000 orders in the period), one month, the shop view, and the CSV,
//   3. times the incremental paths on that data: one order arriving, one late Mailgun event.
// The period report must answer in under 2 s; the run exits non-zero otherwise.
//
//   npm run build && node bench/revenue.mjs
//   REVENUE_ORDERS=100000 REVENUE_MESSAGES=125000 node bench/revenue.mjs   (a smaller run, ×0.1)
import { createHmac, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dist = new URL('../server/dist/', import.meta.url)
const { PostgresStorage } = await import(new URL('storage/postgres/index.js', dist).href)
const { createRevenue } = await import(new URL('revenue/index.js', dist).href)
const { loadConfig } = await import(new URL('config.js', dist).href)
const { createLogger } = await import(new URL('logger.js', dist).href)
const { startNetwork } = await import(new URL('main.js', dist).href)
const { newApiKey } = await import(new URL('ids.js', dist).href)

const ORDERS = Number(process.env.REVENUE_ORDERS ?? 1_000_000)
const MESSAGES = Number(process.env.REVENUE_MESSAGES ?? 1_250_000)
const BUYERS = Math.max(1000, Math.round(ORDERS / 5))
const SHOPS = 50
const EVENTS_PER_MESSAGE = 4
const LIMIT_MS = 2000
const year = { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }
const signingKey = 'bench-signing-key'

const dir = mkdtempSync(join(tmpdir(), 'revenue-bench-'))
const ms = (t) => `${Math.round(performance.now() - t).toLocaleString('en')} ms`
const count = (n) => n.toLocaleString('en')
const step = async (label, fn) => {
  const t = performance.now()
  process.stdout.write(`${label} … `)
  const result = await fn()
  console.log(ms(t))
  return result
}

console.log(`revenue benchmark: ${count(ORDERS)} orders, ${count(MESSAGES * EVENTS_PER_MESSAGE)} message events, ${count(MESSAGES)} messages, ${count(BUYERS)} buyers, PGlite in ${dir}\n`)

// ---------- data ----------
const storage = new PostgresStorage({ driver: 'pglite', dataDir: dir })
await storage.connect()
const sql = storage.sql
const advertiserId = 'acc_bench_advertiser'
const key = newApiKey()
const shopKey = newApiKey()
await step('accounts, campaigns, settings', async () => {
  await storage.accounts.create({ id: advertiserId, name: 'Bench Advertiser', email: 'advertiser@bench.example', roles: ['advertiser'], status: 'active', passwordHash: null })
  await storage.apiKeys.create({ id: 'key_bench_advertiser', accountId: advertiserId, name: 'bench', prefix: key.prefix, hash: key.hash })
  const campaign = (id, advertiser) => storage.campaigns.create({
    id, advertiserId: advertiser, name: `Campaign ${id}`, description: '', status: 'active', currency: 'EUR', landingUrls: ['https://bench.example/'],
    cookieWindowDays: 30, holdDays: 30, attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 500 }, leadRule: null,
  })
  for (let i = 0; i < 5; i++) await campaign(`cmp_bench_${i}`, advertiserId)
  for (let i = 0; i < 10; i++) {
    await storage.accounts.create({ id: `acc_other_${i}`, name: `Other ${i}`, email: `other${i}@bench.example`, roles: ['advertiser'], status: 'active', passwordHash: null })
    await campaign(`cmp_other_${i}`, `acc_other_${i}`)
  }
  for (let i = 0; i < SHOPS; i++) {
    await storage.accounts.create({ id: `acc_shop_${i}`, name: `Shop ${i}`, email: `shop${i}@bench.example`, roles: ['publisher'], status: 'active', passwordHash: null })
  }
  await storage.apiKeys.create({ id: 'key_bench_shop', accountId: 'acc_shop_0', name: 'bench', prefix: shopKey.prefix, hash: shopKey.hash })
  // An opened email links it to the purchases of the next 7 days.
  await storage.revenueSettings.put({
    accountId: advertiserId, currency: 'EUR', excludedTags: ['password-reset'],
    channels: { email: { event: 'opened', window: 7, unit: 'days' }, sms: { event: 'clicked', window: 24, unit: 'hours' } },
  })
})

// Independent pseudo-random streams per row (PostgreSQL's own integer hash), so that buyers, shops, statuses and
// currencies do not line up by accident.
const pick = (stream, modulo) => `(abs(hashint8(g::bigint * 7 + ${stream})) % ${modulo})`
// A message every ~25 s over the year, each carrying one of the advertiser's 5 campaigns between two others'.
const spacing = Math.floor((365 * 86_400) / MESSAGES)
await step(`${count(MESSAGES)} messages`, () => sql.exec(`
  INSERT INTO messages (id, account_id, order_id, channel, recipient, subject, tags, campaign_ids, status, attempts, sent_at)
  SELECT 'msg_b' || g, 'acc_shop_' || ${pick(1, SHOPS)}, NULL, 'email', 'c' || ${pick(2, BUYERS)} || '@bench.example', 'Offers',
    CASE WHEN ${pick(3, 50)} = 0 THEN ARRAY['offer-email', 'password-reset'] ELSE ARRAY['offer-email'] END,
    ARRAY['cmp_other_' || ${pick(4, 10)}, 'cmp_bench_' || ${pick(5, 5)}, 'cmp_other_' || ${pick(6, 10)}], 'sent', 1,
    timestamptz '${year.from}' + g * interval '${spacing} seconds'
  FROM generate_series(1, ${MESSAGES}) g`))
await step(`${count(MESSAGES * EVENTS_PER_MESSAGE)} message events`, () => sql.exec(`
  INSERT INTO message_events (message_id, type, at, provider_event_id)
  SELECT 'msg_b' || g, v.type, timestamptz '${year.from}' + g * interval '${spacing} seconds' + v.after, NULL
  FROM generate_series(1, ${MESSAGES}) g
  CROSS JOIN LATERAL (VALUES
    ('delivered', interval '30 seconds'),
    ('opened', (${pick(7, 48)} + 1) * interval '1 hour'),
    ('clicked', (${pick(7, 48)} + 1) * interval '1 hour' + interval '5 minutes'),
    ('opened', (${pick(8, 5)} + 2) * interval '1 day')) AS v(type, after)`))
// Orders spread over the year, buyers scattered; 5 % in USD, 3 % cancelled, 2 % refunded.
const orderSpacing = Math.floor((360 * 86_400) / ORDERS)
await step(`${count(ORDERS)} orders`, () => sql.exec(`
  INSERT INTO orders (id, account_id, external_id, customer_id, email, name, total, currency, status, items, ordered_at)
  SELECT 'ord_b' || g, '${advertiserId}', 'B-' || g, NULL, 'c' || ${pick(9, BUYERS)} || '@bench.example', NULL,
    1000 + ${pick(10, 20000)}, CASE WHEN ${pick(11, 100)} < 5 THEN 'USD' ELSE 'EUR' END,
    CASE ${pick(12, 100)} WHEN 0 THEN 'cancelled' WHEN 1 THEN 'cancelled' WHEN 2 THEN 'cancelled' WHEN 3 THEN 'refunded' WHEN 4 THEN 'refunded' ELSE 'delivered' END,
    '[]', timestamptz '${year.from}' + g * interval '${orderSpacing} seconds' + ${pick(13, 3600)} * interval '1 second'
  FROM generate_series(1, ${ORDERS}) g`))

const logger = createLogger('silent')
// The data is dated 2025: a long retention keeps the daily buyer-data job (which runs at start) from clearing it.
const config = loadConfig({
  DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DEMO_SHOP_PORT: '0', MAILGUN_WEBHOOK_SIGNING_KEY: signingKey,
  BUYER_DATA_RETENTION_DAYS: '36500',
})
const revenue = createRevenue({ config, storage, logger, runNow: async () => {} })
const attributeStart = performance.now()
const written = await step(`attributing all ${count(ORDERS)} orders (batches of 5,000, as after a settings change)`, () => revenue.reattribute(advertiserId))
const attributeMs = performance.now() - attributeStart
const { rows: [stats] } = await sql.query(`SELECT count(*) AS orders, count(message_id) AS attributed FROM revenue_attributions WHERE account_id = $1`, [advertiserId])
console.log(`  ${count(written)} written; ${count(stats.attributed)} of ${count(stats.orders)} orders belong to a message (${Math.round((stats.attributed / stats.orders) * 100)} %)`)
await storage.close()

// ---------- the report over HTTP, on the real network ----------
const network = await step('starting the network on that folder', () => startNetwork(config, logger, { jobs: { processEvery: 60_000 } }))
const get = async (path, apiKey = key.key) => {
  const t = performance.now()
  const res = await fetch(`${network.url}/api/v1${path}`, { headers: { authorization: `Bearer ${apiKey}` } })
  const body = await res.text()
  const elapsed = performance.now() - t
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`)
  return { elapsed, body }
}
const results = []
async function timed(label, path, apiKey, runs = 5) {
  const times = []
  let body = ''
  for (let i = 0; i < runs; i++) ({ elapsed: times[i], body } = await get(path, apiKey))
  const sorted = [...times].sort((a, b) => a - b)
  results.push({ label, first: times[0], median: sorted[Math.floor(sorted.length / 2)], worst: sorted.at(-1) })
  return body
}
const yearQuery = `from=${year.from}&to=${year.to}`
const full = JSON.parse(await timed('advertiser, whole year (all orders)', `/revenue/report?${yearQuery}`))
await timed('advertiser, one month (March)', '/revenue/report?from=2025-03-01&to=2025-03-31')
await timed('advertiser, whole year, CSV', `/revenue/report.csv?${yearQuery}`)
const shopView = JSON.parse(await timed('shop (1 of 50), whole year', `/revenue/report?${yearQuery}`, shopKey.key))

// ---------- incremental paths on this data ----------
const orderTimes = []
for (let i = 0; i < 20; i++) {
  const t = performance.now()
  const res = await fetch(`${network.url}/api/v1/orders`, {
    method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: `NEW-${i}`, email: `c${i * 7}@bench.example`, amount: '49.90', currency: 'EUR', status: 'delivered', orderedAt: '2025-12-30T12:00:00Z' }),
  })
  if (res.status !== 202) throw new Error(`order: ${res.status} ${await res.text()}`)
  orderTimes.push(performance.now() - t)
}
const webhookTimes = []
for (let i = 0; i < 20; i++) {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const token = randomUUID()
  const body = {
    signature: { timestamp, token, signature: createHmac('sha256', signingKey).update(timestamp + token).digest('hex') },
    'event-data': { id: randomUUID(), event: 'opened', timestamp: Date.parse('2025-06-01T00:00:00Z') / 1000, 'user-variables': { message: `msg_b${1000 + i}` }, message: { headers: {} } },
  }
  const t = performance.now()
  const res = await fetch(`${network.url}/webhooks/mailgun`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 200) throw new Error(`webhook: ${res.status} ${await res.text()}`)
  webhookTimes.push(performance.now() - t)
}
await network.stop()
if (process.env.REVENUE_KEEP) console.log(`\nkept the data in ${dir}`)
else rmSync(dir, { recursive: true, force: true })

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const f = (x) => `${Math.round(x).toLocaleString('en')} ms`
console.log(`\n${'report (GET over HTTP, 5 runs)'.padEnd(40)} ${'first'.padStart(9)} ${'median'.padStart(9)} ${'worst'.padStart(9)}`)
for (const r of results) console.log(`${r.label.padEnd(40)} ${f(r.first).padStart(9)} ${f(r.median).padStart(9)} ${f(r.worst).padStart(9)}`)
console.log(`\nwhole year: ${count(full.report.totals.purchases)} purchases in ${full.report.totals.campaigns} campaigns, revenue ${full.report.totals.revenue.formatted} EUR; shop 0: ${count(shopView.report.totals.purchases)} purchases`)
console.log(`bulk attribution: ${f(attributeMs)} for ${count(ORDERS)} orders (${Math.round(ORDERS / (attributeMs / 1000)).toLocaleString('en')} orders/s)`)
console.log(`one order arriving (POST /orders, attributed on arrival): median ${f(median(orderTimes))}`)
console.log(`one late Mailgun event (POST /webhooks/mailgun, re-attributes the buyer's later orders): median ${f(median(webhookTimes))}`)
const worst = Math.max(...results.filter((r) => !r.label.includes('CSV')).map((r) => r.worst))
if (worst > LIMIT_MS) {
  console.error(`\nFAIL: a period report took ${f(worst)} (limit ${f(LIMIT_MS)})`)
  process.exit(1)
}
console.log(`\nok   every period report answered in under ${f(LIMIT_MS)} (worst ${f(worst)})`)
