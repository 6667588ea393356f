// Settings and reports through the API: the rule as a user sets it, what counts (currency, status, excluded
// tags, channels), that a change shows at once, the CSV and copy exports, the HTML view, and that no account
// ever sees another's revenue.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../server/src/ids.js'
import { csp } from '../../server/src/page.js'
import { createRevenue, reattributeJob } from '../../server/src/revenue/index.js'
import { defaultRules } from '../../server/src/revenue/settings.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { Message } from '../../server/src/storage/types.js'
import { runJob, type JobRun } from '../support/jobs.js'
import type { TestNetwork } from '../support/network.js'
import { account, campaign, hoursAgo, sentMessage, startRevenueNetwork, type TestAccount } from './support.js'

let network: TestNetwork
let shop: TestAccount
let n = 0
const buyer = () => `buyer${++n}-${randomUUID().slice(0, 6)}@mail.example`

beforeAll(async () => {
  network = await startRevenueNetwork()
  shop = await account(network, 'Corner Shop', ['publisher'])
})
afterAll(async () => {
  await network.destroy()
})

/** An advertiser of its own (settings are per account) with campaigns. */
async function advertiser(names: string[] = ['Spring sale'], currency = 'EUR') {
  const a = await account(network, `Advertiser ${++n}`, ['advertiser'])
  const campaigns: string[] = []
  for (const name of names) campaigns.push(await campaign(network.storage, a.id, name, currency))
  return { ...a, campaigns }
}
const event = (message: Message, type: 'delivered' | 'opened' | 'clicked', at: Date) =>
  network.storage.messageEvents.record({ messageId: message.id, type, at, providerEventId: `mailgun:${randomUUID()}` })
async function order(a: TestAccount, email: string, amount: string, orderedAt: Date, extra: Record<string, unknown> = {}) {
  const res = await a.call('POST', '/orders', { orderId: `O-${++n}`, email, amount, currency: 'EUR', status: 'delivered', orderedAt: orderedAt.toISOString(), ...extra })
  expect(res.status).toBe(202)
  return res.body.order as { id: string; orderId: string }
}
/** Waits for the network's Agenda to finish the account's job `name` (queued by the product, not by the test). */
async function finishedJob(name: string, accountId: string, timeoutMs = 20_000) {
  const sql = (network.storage as PostgresStorage).sql
  const end = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await sql.query(
      "SELECT last_finished_at, failed_at, fail_reason FROM agenda_jobs WHERE name = $1 AND data->>'accountId' = $2 AND last_finished_at IS NOT NULL", [name, accountId])
    if (rows[0]) return rows[0] as { last_finished_at: Date; failed_at: Date | null; fail_reason: string | null }
    if (Date.now() > end) throw new Error(`job ${name} for ${accountId} did not finish within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const report = async (a: TestAccount, query = '') => {
  const res = await a.call('GET', `/revenue/report${query}`)
  expect(res.status).toBe(200)
  return res.body.report
}

describe('revenue settings', () => {
  it('start from sensible defaults: a click within 24 hours on every channel, the campaigns’ currency, no excluded tags', async () => {
    const a = await advertiser(['Kroner sale'], 'DKK')
    const res = await a.call('GET', '/revenue/settings')
    expect(res.body.settings).toEqual({
      channels: {
        email: { event: 'clicked', window: 24, unit: 'hours', formula: 'A sale is a purchase within 24 hours after a click on the email.' },
        sms: { event: 'clicked', window: 24, unit: 'hours', formula: 'A sale is a purchase within 24 hours after a click on the SMS.' },
      },
      currency: 'DKK', excludedTags: [], version: 0, isDefault: true, updatedAt: null,
    })
  })

  it('change in part, and refuse what makes no sense, naming the field', async () => {
    const a = await advertiser()
    const res = await a.call('PATCH', '/revenue/settings', { channels: { email: { event: 'opened', window: 3, unit: 'days' } }, currency: 'usd', excludedTags: ['password-reset', 'password-reset', 'delivery'] })
    expect(res.status).toBe(200)
    expect(res.body.settings).toMatchObject({
      channels: { email: { event: 'opened', window: 3, unit: 'days', formula: 'A sale is a purchase within 3 days after the email was opened.' }, sms: { event: 'clicked' } },
      currency: 'USD', excludedTags: ['password-reset', 'delivery'], version: 1, isDefault: false,
    })
    expect((await a.call('PATCH', '/revenue/settings', { channels: { email: { window: 1 } } })).body.settings.channels.email)
      .toMatchObject({ event: 'opened', window: 1, unit: 'days', formula: 'A sale is a purchase within 1 day after the email was opened.' })
    const bad: [unknown, string][] = [
      [{ channels: { email: { window: 13, unit: 'weeks' } } }, 'channels.email.window'],
      [{ channels: { email: { event: 'bounced' } } }, 'channels.email.event'],
      [{ channels: { email: { window: 0 } } }, 'channels.email.window'],
      [{ channels: { fax: { window: 1 } } }, 'channels.fax'],
      [{ currency: 'EURO' }, 'currency'],
      [{ excludedTags: ['ok', ''] }, 'excludedTags.1'],
      [{ colour: 'red' }, 'colour'],
    ]
    for (const [body, field] of bad) {
      const refused = await a.call('PATCH', '/revenue/settings', body)
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.body.error.field).toBe(field)
    }
    expect((await a.call('GET', '/revenue/settings')).body.settings).toMatchObject({ version: 2, currency: 'USD' })
  })
})

describe('the report', () => {
  it('gives each purchase to the last message sent whose click was within 24 hours, per campaign, with its formula', async () => {
    const a = await advertiser(['Spring sale', 'Garden tools'])
    const [spring, garden] = a.campaigns as [string, string]
    const bob = buyer()
    const ann = buyer()
    const first = await sentMessage(network.storage, shop.id, bob, hoursAgo(30), [spring])
    await event(first, 'clicked', hoursAgo(29))
    const second = await sentMessage(network.storage, shop.id, bob, hoursAgo(10), [garden, spring])
    await event(second, 'clicked', hoursAgo(9))
    const annMessage = await sentMessage(network.storage, shop.id, ann, hoursAgo(6), [spring])
    await event(annMessage, 'clicked', hoursAgo(5))
    await order(a, bob, '100.00', hoursAgo(8))
    await order(a, bob, '50.00', hoursAgo(1))
    await order(a, ann, '30.01', hoursAgo(2))
    // The second message was sent before this purchase but clicked after it: the first one's click counts.
    await order(a, bob, '70.00', hoursAgo(9.5))
    // Before any message; and 25 hours after the click: neither is a sale.
    await order(a, buyer(), '999.00', hoursAgo(3))
    const carl = buyer()
    await event(await sentMessage(network.storage, shop.id, carl, hoursAgo(40), [spring]), 'clicked', hoursAgo(39))
    await order(a, carl, '80.00', hoursAgo(14))
    const r = await report(a)
    expect(r.totals).toEqual({
      campaigns: 2, purchases: 4, averageCheck: { amount: 6250, currency: 'EUR', formatted: '62.50' }, revenue: { amount: 25001, currency: 'EUR', formatted: '250.01' },
    })
    expect(r.campaigns).toEqual([
      {
        campaignId: garden, name: 'Garden tools', advertiserId: a.id, advertiserName: expect.any(String), channels: ['email'], purchases: 2,
        averageCheck: { amount: 7500, currency: 'EUR', formatted: '75.00' }, revenue: { amount: 15000, currency: 'EUR', formatted: '150.00' },
        excluded: { purchases: 0, revenue: { amount: 0, currency: 'EUR', formatted: '0.00' } }, formula: 'A sale is a purchase within 24 hours after a click on the email.',
      },
      // 100.01 / 2 rounds half up to the cent.
      expect.objectContaining({ campaignId: spring, purchases: 2, revenue: expect.objectContaining({ amount: 10001 }), averageCheck: expect.objectContaining({ amount: 5001 }) }),
    ])
    // A period that leaves out the last hours.
    const early = await report(a, `?from=${hoursAgo(48).toISOString()}&to=${hoursAgo(4).toISOString()}`)
    expect(early.totals).toMatchObject({ purchases: 2, revenue: { amount: 17000 } })
  })

  it('applies a settings change at once — linking event, window and currency', async () => {
    const a = await advertiser()
    const bob = buyer()
    const m = await sentMessage(network.storage, shop.id, bob, hoursAgo(50), a.campaigns)
    await event(m, 'opened', hoursAgo(40))
    await order(a, bob, '20.00', hoursAgo(30))
    await order(a, bob, '5.00', hoursAgo(20), { currency: 'USD' })
    expect((await report(a)).totals.purchases).toBe(0)
    await a.call('PATCH', '/revenue/settings', { channels: { email: { event: 'opened', window: 2, unit: 'days' } } })
    expect((await report(a)).totals).toMatchObject({ purchases: 1, revenue: { amount: 2000, currency: 'EUR' } })
    await a.call('PATCH', '/revenue/settings', { channels: { email: { window: 5, unit: 'hours' } } })
    expect((await report(a)).totals.purchases).toBe(0)
    await a.call('PATCH', '/revenue/settings', { channels: { email: { event: 'sent', window: 1, unit: 'weeks' } }, currency: 'USD' })
    const r = await report(a)
    expect(r).toMatchObject({ currency: 'USD', totals: { purchases: 1, revenue: { amount: 500, currency: 'USD', formatted: '5.00' } } })
    expect(r.campaigns[0].formula).toBe('A sale is a purchase within 1 week after the email was sent.')
  })

  it('lists purchases of messages with an excluded tag without counting their revenue', async () => {
    const a = await advertiser(['Offers', 'Notices'])
    const [offers, notices] = a.campaigns as [string, string]
    await a.call('PATCH', '/revenue/settings', { excludedTags: ['password-reset'] })
    const bob = buyer()
    const ann = buyer()
    await event(await sentMessage(network.storage, shop.id, bob, hoursAgo(5), [offers]), 'clicked', hoursAgo(4))
    await event(await sentMessage(network.storage, shop.id, ann, hoursAgo(5), [notices], { tags: ['password-reset'] }), 'clicked', hoursAgo(4))
    await order(a, bob, '10.00', hoursAgo(3))
    await order(a, ann, '40.00', hoursAgo(3))
    const r = await report(a)
    expect(r.excludedTags).toEqual(['password-reset'])
    expect(r.totals).toMatchObject({ campaigns: 2, purchases: 1, revenue: { amount: 1000 } })
    expect(r.campaigns.find((c: { campaignId: string }) => c.campaignId === notices)).toMatchObject({
      purchases: 0, revenue: { amount: 0 }, averageCheck: null, excluded: { purchases: 1, revenue: { amount: 4000 } },
    })
  })

  it('drops cancelled and refunded orders at once, keeps the order date on a status update, and counts a later delivery again', async () => {
    const a = await advertiser()
    const bob = buyer()
    await event(await sentMessage(network.storage, shop.id, bob, hoursAgo(5), a.campaigns), 'clicked', hoursAgo(4))
    const orderedAt = hoursAgo(3)
    const o = await order(a, bob, '60.00', orderedAt, { customerId: 'c-77' })
    expect((await report(a)).totals.purchases).toBe(1)
    const cancelled = await a.call('POST', '/events', { type: 'order_status', customer: { email: bob }, parameters: { orderId: o.orderId, status: 'cancelled' } })
    expect(cancelled).toMatchObject({ status: 202, body: { event: { type: 'order_status', order: { orderId: o.orderId, status: 'cancelled', created: false } } } })
    expect((await report(a)).totals.purchases).toBe(0)
    await a.call('POST', '/events', { type: 'order_status', customer: 'c-77', parameters: { orderId: o.orderId, status: 'delivered' } })
    expect((await report(a)).totals.purchases).toBe(1)
    // The orders API: a status update without orderedAt keeps the order where it was in time.
    await a.call('POST', '/orders', { orderId: o.orderId, email: bob, amount: '60.00', currency: 'EUR', status: 'refunded', sendOffers: false })
    expect(await network.storage.orders.get(o.id)).toMatchObject({ status: 'refunded', orderedAt })
    expect((await report(a)).totals.purchases).toBe(0)
  })

  it('links each channel by its own rule: an SMS delivered within 2 days, an email clicked within 24 hours', async () => {
    const a = await advertiser()
    await a.call('PATCH', '/revenue/settings', { channels: { sms: { event: 'delivered', window: 2, unit: 'days' } } })
    const bob = buyer()
    const mail = await sentMessage(network.storage, shop.id, bob, hoursAgo(40), a.campaigns)
    await event(mail, 'clicked', hoursAgo(39))
    const sms = await sentMessage(network.storage, shop.id, bob, hoursAgo(30), a.campaigns, { channel: 'sms' })
    await event(sms, 'delivered', hoursAgo(30))
    await order(a, bob, '12.00', hoursAgo(2))
    const r = await report(a)
    expect(r.campaigns[0]).toMatchObject({ channels: ['sms'], purchases: 1, formula: 'A sale is a purchase within 2 days after the SMS was delivered.' })
    expect((await network.storage.attributions.get((await network.storage.orders.list({ accountId: a.id }))[0]!.id))?.messageId).toBe(sms.id)
  })

  it('gives a tie on send time to the message clicked last', async () => {
    const a = await advertiser(['First', 'Second'])
    const bob = buyer()
    const sentAt = hoursAgo(6)
    const one = await sentMessage(network.storage, shop.id, bob, sentAt, [a.campaigns[0]!])
    const two = await sentMessage(network.storage, shop.id, bob, sentAt, [a.campaigns[1]!])
    await event(one, 'clicked', hoursAgo(4))
    await event(two, 'clicked', hoursAgo(5))
    await order(a, bob, '9.00', hoursAgo(1))
    expect((await report(a)).campaigns.map((c: { name: string }) => c.name)).toEqual(['First'])
  })

  it('re-attributes an account\'s orders in the job a rule change queues, before any report is asked for', async () => {
    const a = await advertiser()
    const bob = buyer()
    const m = await sentMessage(network.storage, shop.id, bob, hoursAgo(50), a.campaigns)
    await event(m, 'opened', hoursAgo(49))
    const orders = []
    for (const h of [3, 2, 1]) orders.push(await order(a, bob, '10.00', hoursAgo(h)))
    // Under the default rule (a click within 24 hours) the opened email brought nothing.
    for (const o of orders) expect(await network.storage.attributions.get(o.id)).toMatchObject({ messageId: null, settingsVersion: 0 })
    const patched = await a.call('PATCH', '/revenue/settings', { channels: { email: { event: 'opened', window: 3, unit: 'days' } } })
    expect(patched.body.settings.version).toBe(1)
    // The change queued the real job on the network's Agenda; its end is the point to look at the data.
    const run = await finishedJob(reattributeJob, a.id)
    expect(run.failed_at).toBeNull()
    for (const o of orders) {
      expect(await network.storage.attributions.get(o.id)).toMatchObject({ messageId: m.id, campaignId: a.campaigns[0], channel: 'email', settingsVersion: 1 })
    }
    expect((await report(a)).totals).toMatchObject({ purchases: 3, revenue: { amount: 3000 } })
  })

  it('re-attributes a few stale orders before answering, and leaves many to the job, which does them', async () => {
    const a = await advertiser()
    const bob = buyer()
    const m = await sentMessage(network.storage, shop.id, bob, hoursAgo(50), a.campaigns)
    await event(m, 'opened', hoursAgo(49))
    for (const h of [3, 2, 1]) await order(a, bob, '10.00', hoursAgo(h))
    // A revenue service that re-attributes at most 2 orders itself; what it queues runs as the network's real job.
    const runs: Promise<JobRun>[] = []
    const revenue = createRevenue({ ...network.services, runNow: async (job, data) => void runs.push(runJob(network.storage, job, data)), inlineLimit: 2 })
    // A settings change whose job has not run: 3 stale orders, more than this service re-attributes itself.
    const put = (channels: typeof defaultRules) => network.storage.revenueSettings.put({ accountId: a.id, currency: 'EUR', excludedTags: [], channels })
    const changed = await put({ ...defaultRules, email: { event: 'opened', window: 3, unit: 'days' } })
    const before = await revenue.report({ id: a.id }, 'advertiser', hoursAgo(24), new Date())
    expect(before).toMatchObject({ pending: 3, totals: { purchases: 0 } })
    expect(runs).toHaveLength(1)
    expect(await runs[0]).toMatchObject({ failed: false })
    // The job did all three: nothing is left stale, and the same report now counts them without doing any itself.
    const summary = await network.storage.attributions.summarize({
      view: 'advertiser', accountId: a.id, from: hoursAgo(24), to: new Date(), currency: 'EUR', excludedTags: [], settingsVersion: changed.version,
    })
    expect(summary.stale).toBe(0)
    expect(await revenue.report({ id: a.id }, 'advertiser', hoursAgo(24), new Date())).toMatchObject({ pending: 0, totals: { purchases: 3 } })
    // Within the limit the report does it itself.
    await put(defaultRules)
    expect(await revenue.report({ id: a.id }, 'advertiser', hoursAgo(1.5), new Date())).toMatchObject({ pending: 0, totals: { purchases: 0 } })
    expect(runs).toHaveLength(1)
  })

  it('refuses a reversed or malformed period', async () => {
    const a = await advertiser()
    expect((await a.call('GET', '/revenue/report?from=2025-02-01&to=2025-01-01')).body.error.field).toBe('to')
    expect((await a.call('GET', '/revenue/report?from=2025-02-30')).body.error.field).toBe('from')
    expect((await a.call('GET', '/revenue/report?as=publisher')).status).toBe(403)
  })
})

describe('exports and the HTML view', () => {
  it('exports CSV with the currency named, RFC 4180 quoting and no live formulas, and a copyable text', async () => {
    const a = await advertiser(['Tea, "the good one"', '=HYPERLINK("http://evil.example")', 'Line\nbreak'])
    await a.call('PATCH', '/revenue/settings', { currency: 'EUR' })
    for (const [i, campaignId] of a.campaigns.entries()) {
      const email = buyer()
      await event(await sentMessage(network.storage, shop.id, email, hoursAgo(5), [campaignId]), 'clicked', hoursAgo(4))
      await order(a, email, `${i + 1}0.50`, hoursAgo(3))
    }
    const res = await fetch(`${network.url}/api/v1/revenue/report.csv?from=2000-01-01&to=2099-12-31`, { headers: { authorization: `Bearer ${a.key}` } })
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="revenue-advertiser-2000-01-01-2099-12-31-EUR.csv"')
    const csv = await res.text()
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('Campaign,Campaign ID,Purchases,Average check (EUR),Revenue (EUR),Excluded purchases,Excluded revenue (EUR),Sale formula')
    expect(csv).toContain(`"Line\nbreak",${a.campaigns[2]},1,30.50,30.50,0,0.00,A sale is a purchase within 24 hours after a click on the email.\r\n`)
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")",${a.campaigns[1]},1,20.50,20.50,0,0.00,`)
    expect(csv).toContain(`"Tea, ""the good one""",${a.campaigns[0]},1,10.50,10.50,0,0.00,`)
    expect(lines.at(-2)).toBe('All campaigns (3),,3,20.50,61.50,0,0.00,')
    expect(csv.endsWith('\r\n')).toBe(true)

    const text = await (await fetch(`${network.url}/api/v1/revenue/report.txt?from=2000-01-01&to=2099-12-31`, { headers: { authorization: `Bearer ${a.key}` } })).text()
    expect(text).toContain('Revenue from campaigns (your orders), 2000-01-01 – 2099-12-31, in EUR\nCampaigns: 3\nPurchases: 3\nAverage check: 20.50 EUR\nRevenue: 61.50 EUR\n')
    expect(text).toContain('Campaign\tCampaign ID\tPurchases\tAverage check (EUR)\tRevenue (EUR)')
    expect(text).toContain(`Line break\t${a.campaigns[2]}\t1\t30.50\t30.50`)
  })

  it('renders a standalone page with every value escaped, under the one policy, its copy script a file', async () => {
    const a = await advertiser(['<img src=x onerror=alert(1)>'])
    const email = buyer()
    await event(await sentMessage(network.storage, shop.id, email, hoursAgo(5), a.campaigns), 'clicked', hoursAgo(4))
    await order(a, email, '10.00', hoursAgo(3))
    const res = await fetch(`${network.url}/api/v1/revenue/report.html`, { headers: { authorization: `Bearer ${a.key}` } })
    expect(res.headers.get('content-security-policy')).toBe(csp)
    const html = await res.text()
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|<style|\sstyle=/)
    expect(html).toMatch(/<script src="\/assets\/copy\.js\?v=\w+" defer><\/script>/)
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;')
    expect(html).toContain('<dt>Purchases</dt><dd>1</dd>')
    expect(html).toMatch(/href="report\.csv\?from=[^"]+&#38;as=advertiser" download>Export CSV/)
  })
})

describe('whose revenue', () => {
  it('shows a shop what its messages brought each advertiser, under that advertiser’s rule, and what they earned it', async () => {
    const a = await advertiser(['Spring sale'])
    await a.call('PATCH', '/revenue/settings', { channels: { email: { event: 'opened', window: 3, unit: 'days' } } })
    const b = await advertiser(['Book club'])
    const myShop = await account(network, 'Shop With Offers', ['publisher'])
    const bob = buyer()
    const m = await sentMessage(network.storage, myShop.id, bob, hoursAgo(30), [a.campaigns[0]!, b.campaigns[0]!])
    await event(m, 'opened', hoursAgo(29))
    await order(a, bob, '25.00', hoursAgo(2))
    await order(b, bob, '15.00', hoursAgo(2))
    // What the shop earned: an email lead on A's campaign (the buyer's click on the offer).
    await network.storage.conversions.insertIfAbsent({
      id: newId('cnv'), advertiserId: a.id, campaignId: a.campaigns[0]!, trackingCodeId: null, publisherId: myShop.id, clickId: null, type: 'lead',
      orderId: `email-lead:${randomUUID()}`, amount: 0, currency: 'EUR', commission: 150, commissionCurrency: 'EUR', commissionRule: { kind: 'fixed', amount: 150 },
      status: 'pending', reason: 'attributed', source: 'email', refundedAmount: 0, reversedCommission: 0, customerEmail: null, approveAt: null,
    }, [])
    const r = await report(myShop)
    expect(r.view).toBe('shop')
    expect(r.totals).toMatchObject({ campaigns: 1, purchases: 1, revenue: { amount: 2500 }, earned: { amount: 150 } })
    expect(r.campaigns).toEqual([expect.objectContaining({
      campaignId: a.campaigns[0], advertiserId: a.id, purchases: 1, earned: { amount: 150, currency: 'EUR', formatted: '1.50' },
      formula: 'A sale is a purchase within 3 days after the email was opened.',
    })])
    // B's rule (a click within 24 hours) gives it nothing; B's report agrees.
    expect((await report(b)).totals.purchases).toBe(0)
    expect((await report(a)).totals.purchases).toBe(1)
  })

  it('never shows one account another’s revenue', async () => {
    const a = await advertiser(['Mine'])
    const b = await advertiser(['Theirs'])
    const otherShop = await account(network, 'Other Shop', ['publisher'])
    const bob = buyer()
    await event(await sentMessage(network.storage, shop.id, bob, hoursAgo(5), [...a.campaigns, ...b.campaigns]), 'clicked', hoursAgo(4))
    await order(a, bob, '44.00', hoursAgo(3))
    expect((await report(a)).campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual(a.campaigns)
    expect(await report(b)).toMatchObject({ totals: { campaigns: 0, purchases: 0 }, campaigns: [] })
    expect(await report(otherShop)).toMatchObject({ totals: { campaigns: 0, purchases: 0 }, campaigns: [] })
    const csv = await (await fetch(`${network.url}/api/v1/revenue/report.csv`, { headers: { authorization: `Bearer ${b.key}` } })).text()
    expect(csv).not.toContain('Mine')
    expect((await b.call('GET', '/revenue/settings')).body.settings.version).toBe(0)
  })
})
