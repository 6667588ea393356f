import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../server/src/ids.js'
import type { Storage } from '../../server/src/storage/types.js'
import { JobName } from '../../server/src/jobs/definitions.js'
import { startFakeMailgun, type FakeMailgun } from '../support/fakeMailgun.js'
import { eventually } from '../support/eventually.js'
import { jobsSettled } from '../support/jobs.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'
import { account, leadCampaign, mailgunEnv } from './support.js'

let network: TestNetwork
let mailgun: FakeMailgun
let shop: { id: string; key: string }
let ownCampaignId: string
const advertisers: { id: string; campaignId: string }[] = []

const campaign = (storage: Storage, advertiserId: string, name: string, lead: number, status: 'active' | 'paused' = 'active') =>
  leadCampaign(storage, advertiserId, name, lead, { status, description: `${name} — 20 % off for new customers`, saleRule: { kind: 'percent', basisPoints: 500 } })

const POLL_MS = 60_000

beforeAll(async () => {
  mailgun = await startFakeMailgun()
  // Agenda polls every minute here (and once at start): an email out well within that proves the job was
  // picked up at once, by notification, not by the next poll.
  network = await startTestNetwork(mailgunEnv(mailgun), undefined, { processEvery: POLL_MS })
  shop = await account(network.storage, 'Bob’s "Corner" Shop', ['publisher', 'advertiser'])
  ownCampaignId = await campaign(network.storage, shop.id, 'Corner Shop', 9_999)
  for (const [name, lead] of [['Garden World', 120], ['Book Nook', 300], ['Tea House', 80], ['Shoe Box', 200]] as const) {
    const adv = await account(network.storage, name, ['advertiser'])
    advertisers.push({ id: adv.id, campaignId: await campaign(network.storage, adv.id, name, lead) })
  }
  const paused = await account(network.storage, 'Paused Co', ['advertiser'])
  await campaign(network.storage, paused.id, 'Paused Co', 100_000, 'paused')
})
afterAll(async () => {
  await network.destroy()
  await mailgun.close()
})
afterEach(() => { mailgun.messages.length = 0; mailgun.requests.length = 0 })

let seq = 0
const notify = (body: Record<string, unknown>, key = shop.key) =>
  fetch(`${network.url}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
const order = (patch: Record<string, unknown> = {}) => ({ orderId: `A-${Date.now()}-${++seq}`, email: `buyer${seq}@mail.example`, name: 'Bob Buyer', amount: '59.90', currency: 'EUR', items: [{ sku: 'mug', name: 'Mug', quantity: 2, price: '29.95' }], ...patch })
describe('order notification → offer email in the shop’s name', () => {
  it('answers 202 before any email work, then Mailgun receives exactly one email at once, not at the next poll', async () => {
    const o = order()
    const started = Date.now()
    const res = await notify(o)
    expect(res.status).toBe(202)
    const body = await res.json()
    expect(body.order).toMatchObject({ orderId: o.orderId, created: true, total: { amount: 5990, currency: 'EUR' }, message: { status: 'queued' } })
    // Not a speed test (npm run bench measures order → email): a sixth of the poll interval leaves a loaded
    // machine room and still fails if only the next poll sends it.
    const [sent] = await mailgun.waitFor(1, POLL_MS / 6)
    expect(sent!.at - started).toBeLessThan(POLL_MS / 6)
    expect(sent!.domain).toBe('mg.network.example')
    expect(sent!.authorization).toBe(`Basic ${Buffer.from('api:key-test-123').toString('base64')}`)
    expect(sent!.get('from')).toBe('"Bob’s Corner Shop" <offers@mg.network.example>')
    expect(sent!.fields.to).toEqual([o.email])
    expect(sent!.get('subject')).toContain('Bob’s "Corner" Shop')
    expect(sent!.get('h:Reply-To')).toBe(`${shop.id}@shops.example`)
    expect(sent!.get('h:List-Unsubscribe')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?m=msg_\w+&s=[\w-]+>$/)
    expect(sent!.get('h:List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')
    expect(sent!.fields['o:tag']).toEqual(['offer-email', `shop-${shop.id}`])
    expect(sent!.get('v:order')).toBe(o.orderId)
    expect(sent!.get('v:message')).toBe(body.order.message.id)
    expect(sent!.get('html')).toContain('Bob’s &#34;Corner&#34; Shop')
    expect(sent!.get('text')).toContain('Hi Bob,')
    await eventually('the message sent', async () => (await network.storage.messages.get(body.order.message.id))?.status === 'sent', 10_000)
    const message = (await network.storage.messages.get(body.order.message.id))!
    expect(message).toMatchObject({ status: 'sent', attempts: 1, providerId: expect.stringMatching(/@mg\.network\.example>$/), channel: 'email', recipient: o.email })
    // Every send job has run and none waits for a retry: no second email can still come.
    await jobsSettled(network.storage, JobName.sendOfferEmail)
    expect(mailgun.requests).toHaveLength(1)
  })

  it('offers the best-paying campaigns of other advertisers only, each through a working tracked link', async () => {
    const o = order()
    const { order: { message } } = await (await notify(o)).json()
    const [sent] = await mailgun.waitFor(1)
    const stored = await eventually('the message sent', async () => { const m = await network.storage.messages.get(message.id); return m?.status === 'sent' && m })
    // Ranked by expected earnings: Book Nook (3.00 lead), Shoe Box (2.00), Garden World (1.20); never the shop's own or a paused one.
    const byId = new Map(advertisers.map((a) => [a.campaignId, a]))
    expect(stored.campaignIds).toEqual([advertisers[1]!.campaignId, advertisers[3]!.campaignId, advertisers[0]!.campaignId])
    expect(stored.campaignIds).not.toContain(ownCampaignId)
    const links = [...sent!.get('text')!.matchAll(/http:\/\/127\.0\.0\.1:\d+\/c\/\w+\?sub1=msg_\w+&sub2=email/g)].map((m) => m[0])
    expect(links).toHaveLength(3)
    expect(sent!.get('html')).toContain(links[0]!.replace(/&/g, '&#38;'))
    // Follow the first offer: a 302 to that advertiser's landing page with a click id, and a lead for the shop.
    const click = await fetch(links[0]!, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/130.0' } })
    expect(click.status).toBe(302)
    expect(click.headers.get('location')).toMatch(/^https:\/\/booknook\.example\/welcome\?nclid=[\w-]{22}$/)
    const bookNook = byId.get(stored.campaignIds[0]!)!
    const lead = await eventually('the lead', async () => (await network.storage.conversions.list({ advertiserId: bookNook.id })).find((c) => c.type === 'lead'))
    expect(lead).toMatchObject({ publisherId: shop.id, commission: 300, commissionCurrency: 'EUR', source: 'email', status: 'pending', reason: 'attributed' })
    // A second click by the same buyer on the same offer is not a second lead.
    await fetch(links[0]!, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/130.0' } })
    expect((await network.storage.conversions.list({ advertiserId: bookNook.id })).filter((c) => c.type === 'lead')).toHaveLength(1)
    const balance = (await network.storage.ledger.balances(shop.id))[0]
    expect(balance?.pending).toBeGreaterThanOrEqual(300)
  })

  it('sends one email for concurrent duplicate notifications of one order', async () => {
    const o = order()
    const responses = await Promise.all(Array.from({ length: 10 }, () => notify(o)))
    expect(responses.every((r) => r.status === 202)).toBe(true)
    const bodies = await Promise.all(responses.map((r) => r.json()))
    expect(bodies.filter((b) => b.order.created)).toHaveLength(1)
    await mailgun.waitFor(1)
    await jobsSettled(network.storage, JobName.sendOfferEmail)
    expect(mailgun.requests.filter((m) => m.fields.to?.[0] === o.email)).toHaveLength(1)
  })

  it('stops all offer emails to an address after unsubscribe', async () => {
    const email = `leave-me${Date.now()}@mail.example`
    const first = await (await notify(order({ email }))).json()
    const [sent] = await mailgun.waitFor(1)
    const link = /<([^>]+)>/.exec(sent!.get('h:List-Unsubscribe')!)![1]!
    const page = await fetch(link)
    expect(await page.text()).toContain('Stop offer emails?')
    const oneClick = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })
    expect(oneClick.status).toBe(200)
    expect(await fetch(link.replace(/s=[\w-]+/, 's=forged'), { method: 'POST' }).then((r) => r.status)).toBe(400)
    const again = await (await notify(order({ email }))).json()
    expect(again.order.message).toMatchObject({ status: 'suppressed' })
    await jobsSettled(network.storage, JobName.sendOfferEmail)
    expect(mailgun.requests).toHaveLength(1)
    expect(first.order.message.id).not.toBe(again.order.message.id)
  })

  it('validates every field and reports each item of a batch on its own', async () => {
    const bad = await notify(order({ amount: '-3' }))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toMatchObject({ code: 'bad_amount', field: 'amount' })
    expect((await (await notify(order({ email: 'nope' }))).json()).error.field).toBe('email')
    expect((await (await notify(order({ items: [{ name: 'x', price: 'free' }] }))).json()).error.field).toBe('items.0.price')
    expect((await (await notify(order({ currency: 'ZZZ' }))).json()).error.field).toBe('currency')
    const batch = await notify({ orders: [order(), order({ orderId: '' }), order({ status: 'lost' })], sendOffers: false })
    expect(batch.status).toBe(202)
    const result = await batch.json()
    expect(result).toMatchObject({ accepted: 1, failed: 2 })
    expect(result.results[1].error.field).toBe('orders.1.orderId')
    expect(result.results[2].error.field).toBe('orders.2.status')
    expect((await notify({ orders: [] })).status).toBe(400)
    await jobsSettled(network.storage, JobName.sendOfferEmail)
    expect(mailgun.requests).toHaveLength(0)
  })
})

describe("the tracker's order call (POST /px, type=order)", () => {
  it('notifies the order for the tracking code’s shop, emails the buyer, and limits how many a visitor may send', async () => {
    const code = `TCSHOP${Date.now()}`
    await network.storage.trackingCodes.create({ id: newId('tc'), code, advertiserId: shop.id, campaignId: ownCampaignId, name: 'confirmation page', method: 'GET', redirectUrl: null, postbackSecret: 'x', status: 'active' })
    const send = (orderId: string, ua = 'browser one') => fetch(`${network.url}/px`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': ua },
      body: new URLSearchParams({ orderId, amount: '12.00', currency: 'EUR', email: `${orderId}@mail.example`, name: 'Ann', type: 'order', t: code }),
    })
    const first = await send('browser-1')
    expect(first.status).toBe(202)
    expect(await first.json()).toMatchObject({ status: 'recorded', order: { orderId: 'browser-1' }, message: { status: 'queued' } })
    const [sent] = await mailgun.waitFor(1)
    expect(sent!.fields.to).toEqual(['browser-1@mail.example'])
    expect((await network.storage.orders.getByExternalId(shop.id, 'browser-1'))).toMatchObject({ name: 'Ann', total: 1200 })
    // Reloads of the confirmation page report the same order again: answered as a duplicate, and not counted.
    for (let reload = 0; reload < 5; reload++) {
      const again = await send('browser-1')
      expect(again.status).toBe(202)
      expect(await again.json()).toMatchObject({ status: 'duplicate', order: { orderId: 'browser-1' } })
    }
    for (let i = 2; i <= 5; i++) expect((await send(`browser-${i}`)).status).toBe(202)
    const limited = await send('browser-6')
    expect(limited.status).toBe(429)
    expect((await limited.json()).error.code).toBe('rate_limited')
    const log = await network.storage.requestLog.list({ advertiserId: shop.id, limit: 1 })
    expect(log[0]).toMatchObject({ kind: 'order', outcome: 'rejected', reason: 'rate_limited' })
    // An advertiser that does not monetize cannot have orders notified from a browser.
    const plain = advertisers[0]!
    const plainCode = `TCPLAIN${Date.now()}`
    await network.storage.trackingCodes.create({ id: newId('tc'), code: plainCode, advertiserId: plain.id, campaignId: plain.campaignId, name: 'x', method: 'GET', redirectUrl: null, postbackSecret: 'x', status: 'active' })
    const refused = await fetch(`${network.url}/px`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `t=${plainCode}&type=order&orderId=x&amount=1&currency=EUR` })
    expect(refused.status).toBe(403)
  })
})

describe('send failures (a network that polls often, as retries are scheduled, not notified)', () => {
  let retrying: TestNetwork
  let shopKey: string
  beforeAll(async () => {
    retrying = await startTestNetwork(mailgunEnv(mailgun))
    const s = await account(retrying.storage, 'Retry Shop', ['publisher'])
    shopKey = s.key
    const adv = await account(retrying.storage, 'Offer Co', ['advertiser'])
    await campaign(retrying.storage, adv.id, 'Offer Co', 100)
  })
  afterAll(() => retrying.destroy())
  const notifyHere = (body: Record<string, unknown>) =>
    fetch(`${retrying.url}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${shopKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })

  it('retries a transient failure with back-off and sends once: 500, then 200', async () => {
    mailgun.failNext(500)
    const o = order()
    const { order: { message } } = await (await notifyHere(o)).json()
    await mailgun.waitFor(1, 15_000)
    const m = await eventually('the retried message sent', async () => { const x = await retrying.storage.messages.get(message.id); return x?.status === 'sent' && x }, 15_000)
    expect(m.attempts).toBe(2)
    expect(mailgun.requests.map((r) => r.fields.to?.[0])).toEqual([o.email, o.email])
    expect(mailgun.messages).toHaveLength(1)
  })

  it('records a permanent 4xx as failed with the reason and does not retry', async () => {
    mailgun.failNext(400)
    const { order: { message } } = await (await notifyHere(order())).json()
    const m = await eventually('the message failed', async () => { const x = await retrying.storage.messages.get(message.id); return x?.status === 'failed' && x })
    expect(m.error).toMatch(/400/)
    await jobsSettled(retrying.storage, JobName.sendOfferEmail)
    expect(mailgun.requests).toHaveLength(1)
  })

})

describe('reinvest', () => {
  it('moves approved earnings into credit that then pays the shop’s own campaign commissions', async () => {
    await network.storage.ledger.append([{ accountId: shop.id, bucket: 'approved', amount: 5000, currency: 'EUR', kind: 'approval', conversionId: null, payoutId: null, key: `seed:${Date.now()}`, memo: null }])
    const before = (await network.storage.ledger.balances(shop.id))[0]!
    const reinvest = (amount: string, key: string) => fetch(`${network.url}/api/v1/reinvest`, { method: 'POST', headers: { authorization: `Bearer ${shop.key}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ amount, currency: 'EUR' }) })
    const res = await reinvest('40.00', 'r1')
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ reinvested: { amount: 4000 }, balance: { approved: { amount: before.approved - 4000 }, credit: { amount: before.credit + 4000 } } })
    expect((await reinvest('40.00', 'r1')).status).toBe(200)
    const tooMuch = await reinvest('100000.00', 'r2')
    expect(tooMuch.status).toBe(409)
    expect((await tooMuch.json()).error.field).toBe('amount')
    // A publisher of the shop's own campaign makes a sale; when it is approved, the credit pays for it.
    const publisher = await account(network.storage, 'Affiliate', ['publisher'])
    await network.storage.links.create({ id: newId('lnk'), code: `own-${Date.now()}`, campaignId: ownCampaignId, advertiserId: shop.id, publisherId: publisher.id, landingUrl: 'https://cornershop.example/welcome', status: 'active' })
    const click = await fetch(`${network.url}/c/own-${Date.now()}`.replace(/own-\d+$/, (await network.storage.links.listByPublisher(publisher.id))[0]!.code), { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0' } })
    const clickId = new URL(click.headers.get('location')!).searchParams.get('nclid')!
    const sale = await fetch(`${network.url}/api/v1/conversions`, { method: 'POST', headers: { authorization: `Bearer ${shop.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ orderId: `own-sale-${Date.now()}`, amount: '200.00', currency: 'EUR', clickId }) })
    const conversion = (await sale.json()).conversion
    expect(conversion.commission.amount).toBe(1000)
    await fetch(`${network.url}/api/v1/conversions/${conversion.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${shop.key}` } })
    const after = (await network.storage.ledger.balances(shop.id))[0]!
    expect(after.credit).toBe(before.credit + 4000 - 1000)
    const spend = (await network.storage.ledger.listByAccount(shop.id, 5)).find((e) => e.kind === 'spend')
    expect(spend).toMatchObject({ bucket: 'credit', amount: -1000, conversionId: conversion.id })
  })

  it('is refused to an account that is not both publisher and advertiser', async () => {
    const publisher = await account(network.storage, 'Only Pub', ['publisher'])
    const res = await fetch(`${network.url}/api/v1/reinvest`, { method: 'POST', headers: { authorization: `Bearer ${publisher.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: '1.00', currency: 'EUR' }) })
    expect(res.status).toBe(403)
  })
})
