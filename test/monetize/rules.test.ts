// Monetize's rules on their own, over a real embedded store (in memory, from the migrated image): which
// orders get an offer email, what the email says and where its links go, how a send ends (sent, retried,
// given up, suppressed, interrupted), which clicks are a shop's email leads, unsubscribe, reinvest and credit.
// The mailer here is the provider boundary, recorded (and told to fail) by the test; offerEmail.test.ts and
// guards.test.ts run the same rules end to end through HTTP, Agenda and mailgun.js against a fake Mailgun.
import { createHmac } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/src/config.js'
import { AppError } from '../../server/src/errors.js'
import { newClickId, newId } from '../../server/src/ids.js'
import { createLogger } from '../../server/src/logger.js'
import { createMonetize, emailSubId, maxSendAttempts, offerEmailJob, type Monetize } from '../../server/src/monetize/index.js'
import { createCredit } from '../../server/src/monetize/credit.js'
import { SendError, type Email, type Mailer } from '../../server/src/monetize/mailer.js'
import { chooseOffers, expectedEarnings } from '../../server/src/monetize/offers.js'
import { maxOrdersPerRequest, parseOrder } from '../../server/src/monetize/orders.js'
import { renderOfferEmail } from '../../server/src/monetize/render.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { Account, Campaign, Conversion, NewCampaign, Order } from '../../server/src/storage/types.js'
import { TtlCache } from '../../server/src/cache.js'
import { createConversionIngest } from '../../server/src/tracking/conversions.js'
import { createLifecycle } from '../../server/src/conversions/lifecycle.js'
import { RequestLog } from '../../server/src/tracking/requestLog.js'
import { memoryStore } from '../support/stores.js'

const HOUR = 3_600_000
const publicUrl = 'https://net.example'
const config = loadConfig({ PUBLIC_URL: publicUrl, COOKIE_SECRET: 'rules-test-cookie-secret-0123456789', OFFERS_PER_EMAIL: '2' })

let storage: PostgresStorage
let shop: Account
let advertiserOnly: Account
let dual: Account
let rival: Account
/** The rival's campaigns, best-paying first: 500, 300 and 100 per lead. */
let best: Campaign
let second: Campaign
let third: Campaign

/** What the use-cases asked Agenda to run, and the orders they reported. */
let queued: { job: string; data: Record<string, unknown> }[]
let reported: Order[]
/** What reached the mailer, and how its next sends end. */
let sent: Email[]
let failures: Error[]
let onSend: ((email: Email) => Promise<void>) | undefined

const mailer: Mailer = {
  name: 'outbox',
  fromAddress: 'offers@net.example',
  async send(email) {
    sent.push(email)
    await onSend?.(email)
    const failure = failures.shift()
    if (failure) throw failure
    return { providerId: `prov-${sent.length}` }
  },
}

let monetize: Monetize

async function newAccount(name: string, roles: Account['roles']): Promise<Account> {
  return storage.accounts.create({ id: newId('acc'), name, email: `${name.toLowerCase().replace(/\W/g, '')}@shops.example`, roles, status: 'active', passwordHash: null })
}

const campaignOf = (advertiserId: string, patch: Partial<NewCampaign> = {}): NewCampaign => ({
  id: newId('cmp'), advertiserId, name: 'Offer', description: 'An offer', status: 'active', currency: 'EUR',
  landingUrls: ['https://rival.example/a', 'https://rival.example/b'], cookieWindowDays: 30, holdDays: 30, attribution: 'last_click',
  saleRule: null, leadRule: { kind: 'fixed', amount: 100 }, ...patch,
})

beforeAll(async () => {
  storage = await memoryStore()
  shop = await newAccount('Shop "Quotes" \\ Co\r\nBcc: x', ['publisher'])
  advertiserOnly = await newAccount('Advertiser only', ['advertiser'])
  dual = await newAccount('Dual', ['publisher', 'advertiser'])
  rival = await newAccount('Rival', ['advertiser'])
  third = await storage.campaigns.create(campaignOf(rival.id, { name: 'Third', leadRule: { kind: 'fixed', amount: 100 } }))
  best = await storage.campaigns.create(campaignOf(rival.id, { name: 'Best <b>', description: 'Deals & "more"', leadRule: { kind: 'fixed', amount: 500 } }))
  second = await storage.campaigns.create(campaignOf(rival.id, { name: 'Second', leadRule: { kind: 'fixed', amount: 300 } }))
  // The shop's own campaign pays most but is never offered in its own emails.
  await storage.campaigns.create(campaignOf(shop.id, { name: 'Own', leadRule: { kind: 'fixed', amount: 9_000 } }))
})
afterAll(() => storage?.close())

beforeEach(() => {
  queued = []
  reported = []
  sent = []
  failures = []
  onSend = undefined
  const requestLog = new RequestLog(storage)
  const lifecycle = createLifecycle({ storage, logger: createLogger('silent'), scheduleOnce: async () => {}, onApproved: async () => {} })
  const ingest = createConversionIngest({ upgradeWindowMs: 24 * HOUR, storage, requestLog, lifecycle, campaigns: new TtlCache<Campaign | null>(60_000) })
  monetize = createMonetize({
    config, storage, logger: createLogger('silent'), mailer, ingest,
    runNow: async (job, data) => void queued.push({ job, data }),
    onOrder: async (order) => void reported.push(order),
  })
})

const order = (patch: Record<string, unknown> = {}) => ({ orderId: newId('o'), email: 'Buyer@Example.com', amount: '40.00', currency: 'EUR', name: 'Ada Lovelace', ...patch })

/** A queued message for a new order of the shop; its id. */
async function queuedMessage(patch: Record<string, unknown> = {}): Promise<string> {
  const result = await monetize.notify(shop, order(patch))
  expect(result.message?.status).toBe('queued')
  return result.message!.id
}

describe('parseOrder: one order of a notification', () => {
  const parse = (input: unknown, at = '') => parseOrder('acc_1', input, at)
  const refusal = (input: unknown, at = '') => {
    try {
      parse(input, at)
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      const e = error as AppError
      return { status: e.status, code: e.code, field: e.field, message: e.message }
    }
    throw new Error('accepted')
  }

  it('takes every field, trimmed, the address lower-cased, amounts in minor units, items with their defaults', () => {
    const o = parse({
      orderId: '  A-1 ', email: ' Buyer@Example.COM ', amount: '40.50', currency: 'eur', status: 'delivered', customerId: 'c-9', name: ' Ada ',
      orderedAt: '2026-11-30T10:00:00.000Z', items: [{ sku: 'S1', name: 'Lamp', quantity: 2, price: '10.25' }, { name: 'Card', price: 1 }],
    })
    expect(o).toMatchObject({
      accountId: 'acc_1', externalId: 'A-1', email: 'buyer@example.com', total: 4050, currency: 'EUR', status: 'delivered', customerId: 'c-9', name: 'Ada',
      orderedAt: new Date('2026-11-30T10:00:00.000Z'),
      items: [{ sku: 'S1', name: 'Lamp', quantity: 2, price: 1025 }, { sku: null, name: 'Card', quantity: 1, price: 100 }],
    })
    expect(o.id).toMatch(/^ord_/)
    expect(parse({ orderId: 7, amount: 0, currency: 'JPY' })).toMatchObject({ externalId: '7', total: 0, email: null, name: null, customerId: null, status: 'initialized', items: [] })
  })

  it('dates an order without orderedAt now', () => {
    const before = Date.now()
    const at = parse({ orderId: 'a', amount: 1, currency: 'EUR' }).orderedAt.getTime()
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(Date.now())
  })

  it('refuses what is not an object, naming the body or the batch item', () => {
    for (const input of [null, [], 'order', 3]) expect(refusal(input)).toEqual({ status: 400, code: 'invalid', field: 'body', message: 'body must be an object' })
    expect(refusal(null, 'orders.3.')).toMatchObject({ field: 'orders.3', message: 'orders.3. must be an object' })
  })

  it('refuses each field with its own name and the batch prefix', () => {
    const ok = { orderId: 'a', amount: '1.00', currency: 'EUR' }
    expect(refusal({ ...ok, orderId: undefined }, 'orders.2.')).toEqual({ status: 400, code: 'missing', field: 'orders.2.orderId', message: 'orders.2.orderId is required' })
    expect(refusal({ ...ok, orderId: '' })).toMatchObject({ code: 'missing', field: 'orderId' })
    expect(refusal({ ...ok, orderId: null })).toMatchObject({ code: 'missing', field: 'orderId' })
    expect(refusal({ ...ok, orderId: '   ' })).toMatchObject({ code: 'invalid', field: 'orderId', message: 'orderId must be 1–100 characters' })
    expect(refusal({ ...ok, orderId: 'x'.repeat(101) })).toMatchObject({ code: 'invalid', field: 'orderId' })
    expect(parse({ ...ok, orderId: 'x'.repeat(100) }).externalId).toHaveLength(100)
    expect(refusal({ ...ok, orderId: { id: 1 } })).toMatchObject({ code: 'invalid', field: 'orderId', message: 'orderId must be a string' })
    expect(refusal({ ...ok, email: 'not-an-address' }, 'orders.0.')).toEqual({ status: 400, code: 'bad_email', field: 'orders.0.email', message: 'orders.0.email must be an email address' })
    expect(parse({ ...ok, email: '' }).email).toBeNull()
    expect(refusal({ ...ok, email: `${'a'.repeat(250)}@b.co` })).toMatchObject({ field: 'email' })
    expect(refusal({ ...ok, currency: 'euro' })).toMatchObject({ field: 'currency' })
    expect(refusal({ ...ok, amount: '1.234' })).toMatchObject({ field: 'amount' })
    expect(refusal({ ...ok, status: 'paid' })).toMatchObject({
      code: 'invalid', field: 'status', message: 'status must be one of initialized, in_progress, delivered, cancelled, refunded',
    })
    expect(refusal({ ...ok, orderedAt: 'yesterday' })).toMatchObject({ code: 'invalid', field: 'orderedAt', message: 'orderedAt must be an ISO 8601 date' })
    expect(refusal({ ...ok, orderedAt: 1_700_000_000_000 })).toMatchObject({ field: 'orderedAt' })
    // Only a string: a number or a list that would read as a date is refused too.
    expect(refusal({ ...ok, orderedAt: 2026 })).toMatchObject({ code: 'invalid', field: 'orderedAt' })
    expect(refusal({ ...ok, orderedAt: ['2026-11-30T10:00:00Z'] })).toMatchObject({ code: 'invalid', field: 'orderedAt' })
    // Called without a prefix, the fields are named as they are.
    expect(() => parseOrder('acc_1', { amount: '1.00', currency: 'EUR' })).toThrow(expect.objectContaining({ field: 'orderId', message: 'orderId is required' }))
    expect(refusal({ ...ok, customerId: 'c'.repeat(101) })).toMatchObject({ field: 'customerId' })
    expect(refusal({ ...ok, name: 'n'.repeat(201) })).toMatchObject({ field: 'name' })
  })

  it('refuses items that are not a list of at most 200, and each bad item by its index', () => {
    const ok = { orderId: 'a', amount: '1.00', currency: 'EUR' }
    const item = { name: 'Lamp', price: '1.00' }
    expect(refusal({ ...ok, items: 'lamp' })).toMatchObject({ code: 'invalid', field: 'items', message: 'items must be a list of at most 200 items' })
    expect(refusal({ ...ok, items: Array(201).fill(item) })).toMatchObject({ field: 'items' })
    expect(parse({ ...ok, items: Array(200).fill(item) }).items).toHaveLength(200)
    expect(refusal({ ...ok, items: [item, null] })).toEqual({ status: 400, code: 'invalid', field: 'items.1', message: 'items.1 must be an object' })
    expect(refusal({ ...ok, items: [item, 'lamp'] }, 'orders.4.')).toMatchObject({ field: 'orders.4.items.1' })
    for (const quantity of [0, -1, 1.5, '2', 100_001]) {
      expect(refusal({ ...ok, items: [{ ...item, quantity }] })).toEqual({ status: 400, code: 'invalid', field: 'items.0.quantity', message: 'items.0.quantity must be a positive integer' })
    }
    expect(parse({ ...ok, items: [{ ...item, quantity: 100_000 }] }).items[0]?.quantity).toBe(100_000)
    expect(refusal({ ...ok, items: [{ price: '1.00' }] })).toMatchObject({ code: 'missing', field: 'items.0.name' })
    expect(refusal({ ...ok, items: [{ ...item, sku: 's'.repeat(101) }] })).toMatchObject({ field: 'items.0.sku' })
    expect(refusal({ ...ok, items: [{ name: 'Lamp', price: 'free' }] })).toMatchObject({ field: 'items.0.price' })
    expect(maxOrdersPerRequest).toBe(1000)
  })
})

describe('offers: the best expected earnings for the shop first', () => {
  const at = (iso: string) => new Date(iso)
  const campaign = (patch: Partial<Campaign>): Campaign => ({
    ...campaignOf('acc_other'), createdAt: at('2026-01-01T00:00:00Z'), updatedAt: at('2026-01-01T00:00:00Z'), firstPartyPath: null, ...patch,
  }) as Campaign

  it('adds the lead commission to 2 % of the sale commission on a basket like the buyer’s', () => {
    expect(expectedEarnings(campaign({ leadRule: { kind: 'fixed', amount: 100 }, saleRule: null }), { total: 10_000 })).toBe(100)
    expect(expectedEarnings(campaign({ leadRule: null, saleRule: { kind: 'percent', basisPoints: 1000 } }), { total: 10_000 })).toBe(20)
    expect(expectedEarnings(campaign({ leadRule: { kind: 'fixed', amount: 50 }, saleRule: { kind: 'fixed', amount: 2_000 } }), { total: 1 })).toBe(90)
    expect(expectedEarnings(campaign({ leadRule: null, saleRule: null }), { total: 10_000 })).toBe(0)
  })

  it('offers only active campaigns of other advertisers that pay something and have a landing page, best first, then oldest, N of them', () => {
    const lead = (amount: number) => ({ kind: 'fixed' as const, amount })
    const a = campaign({ id: 'a', leadRule: lead(100), createdAt: at('2026-02-01T00:00:00Z') })
    const b = campaign({ id: 'b', leadRule: lead(300) })
    const tieOlder = campaign({ id: 'c', leadRule: lead(100), createdAt: at('2026-01-15T00:00:00Z') })
    // 10 % of 100.00 is 10.00, 2 % of which is 0.20 expected: below every lead.
    const sale = campaign({ id: 'd', leadRule: null, saleRule: { kind: 'percent', basisPoints: 1000 } })
    const excluded = [
      campaign({ id: 'paused', status: 'paused', leadRule: lead(9_000) }),
      campaign({ id: 'own', advertiserId: 'shop', leadRule: lead(9_000) }),
      campaign({ id: 'nothing', leadRule: null, saleRule: null }),
      campaign({ id: 'nowhere', leadRule: lead(9_000), landingUrls: [] }),
    ]
    const ids = (count: number) => chooseOffers([a, ...excluded, sale, b, tieOlder], 'shop', { total: 10_000 }, count).map((c) => c.id)
    expect(ids(10)).toEqual(['b', 'c', 'a', 'd'])
    expect(ids(2)).toEqual(['b', 'c'])
  })
})

describe('renderOfferEmail', () => {
  it('greets by first name, thanks for the order in the shop’s name, escapes every value in the HTML and keeps them plain in the text', () => {
    const input = {
      shop: { name: 'Bob & <Sons>', email: 'bob@shop.example' },
      order: { externalId: '<A-1>', name: 'Ada <b>Lovelace' },
      offers: [{ campaign: { ...best, name: 'Lamps <i>', description: 'Bright & "warm"' }, url: 'https://net.example/c/x?sub1=m&sub2=email' }],
      unsubscribeUrl: 'https://net.example/unsubscribe?m=1&s=2',
    }
    const email = renderOfferEmail(input)
    expect(email.subject).toBe('Bob & <Sons>: thank you for your order — a few offers picked for you')
    expect(email.html).toContain('<title>Bob &#38; &#60;Sons&#62;: thank you')
    expect(email.html).toContain('Hi Ada,')
    expect(email.html).toContain('Thank you for your order &#60;A-1&#62; at Bob &#38; &#60;Sons&#62;.')
    expect(email.html).toContain('Lamps &#60;i&#62;')
    expect(email.html).toContain('Bright &#38; &#34;warm&#34;')
    expect(email.html).toContain('href="https://net.example/c/x?sub1=m&#38;sub2=email"')
    expect(email.html).toContain('href="https://net.example/unsubscribe?m=1&#38;s=2"')
    expect(email.html).not.toMatch(/<(b|i|Sons)>/)
    expect(email.text.split('\n')).toEqual([
      'Hi Ada,', '',
      'Thank you for your order <A-1> at Bob & <Sons>. As a thank-you, here are a few offers from shops we think you will like:', '',
      '* Lamps <i>', '  Bright & "warm"', '  https://net.example/c/x?sub1=m&sub2=email', '',
      'You receive this because you ordered at Bob & <Sons>. Questions? Just reply to this email.',
      'Unsubscribe from these offers: https://net.example/unsubscribe?m=1&s=2',
    ])
    expect(renderOfferEmail({ ...input, order: { externalId: 'A', name: null } }).text.startsWith('Hi,\n')).toBe(true)
    // Two offers: one block after the other, nothing between them.
    const two = renderOfferEmail({ ...input, offers: [input.offers[0]!, { campaign: second, url: 'https://net.example/c/y' }] }).html
    expect(two).toMatch(/See the offer<\/a>\s*<\/td><\/tr><tr><td style="height:12px"><\/td><\/tr>\s*<tr><td style="padding:16px[^]*href="https:\/\/net.example\/c\/y"/)
  })
})

describe('notify: which orders get an offer email', () => {
  it('stores a new, fresh order of a publishing shop with a buyer address, queues its email job and reports the order', async () => {
    const result = await monetize.notify(shop, order({ orderId: 'fresh-1' }))
    expect(result.created).toBe(true)
    expect(result.order).toMatchObject({ accountId: shop.id, externalId: 'fresh-1', email: 'buyer@example.com', total: 4000 })
    expect(result.message?.status).toBe('queued')
    expect(queued).toEqual([{ job: offerEmailJob, data: { messageId: result.message!.id } }])
    expect(reported.map((o) => o.id)).toEqual([result.order.id])
    expect(await storage.messages.get(result.message!.id)).toMatchObject({
      accountId: shop.id, orderId: result.order.id, channel: 'email', recipient: 'buyer@example.com', subject: '', tags: ['offer-email'], campaignIds: [], status: 'queued',
    })
    expect(result.message!.id).toMatch(/^msg_/)
    // The job's name is stored with every queued job: jobs queued before an upgrade must still be picked up after it.
    expect(offerEmailJob).toBe('offer-email.send')
  })

  it('names the fields of a bad notification as sent, and refuses a body that is not an order before storing anything', async () => {
    await expect(monetize.notify(shop, { amount: '1.00', currency: 'EUR' })).rejects.toMatchObject({ status: 400, field: 'orderId' })
    await expect(monetize.notify(shop, null)).rejects.toMatchObject({ status: 400, code: 'invalid', field: 'body' })
    await expect(monetize.notify(shop, 'order')).rejects.toMatchObject({ status: 400, field: 'body' })
    expect(reported).toEqual([])
  })

  it('sends nothing for a repeated notification, without offers asked, an advertiser-only account, no address, or a cancelled or refunded order', async () => {
    const first = await monetize.notify(shop, order({ orderId: 'again' }))
    queued = []
    const cases = [
      await monetize.notify(shop, order({ orderId: 'again', status: 'delivered' })),
      await monetize.notify(shop, order(), '', false),
      await monetize.notify(advertiserOnly, order()),
      await monetize.notify(shop, order({ email: undefined })),
      await monetize.notify(shop, order({ status: 'cancelled' })),
      await monetize.notify(shop, order({ status: 'refunded' })),
    ]
    expect(cases.map((c) => c.message)).toEqual([null, null, null, null, null, null])
    expect(cases[0]).toMatchObject({ created: false, order: { id: first.order.id, status: 'delivered' } })
    expect(cases.slice(1).every((c) => c.created)).toBe(true)
    expect(queued).toEqual([])
    // Every stored order is still reported (revenue attribution), emailed or not.
    expect(reported).toHaveLength(7)
    expect((await monetize.notify(shop, order({ status: 'delivered' }))).message?.status).toBe('queued')
  })

  it('emails an order placed just under a day ago, and not one just over', async () => {
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString()
    expect((await monetize.notify(shop, order({ orderedAt: ago(24 * HOUR - 60_000) }))).message?.status).toBe('queued')
    expect((await monetize.notify(shop, order({ orderedAt: ago(24 * HOUR + 60_000) }))).message).toBeNull()
    expect(queued).toHaveLength(1)
  })

  it('keeps the stored order date when a later notification gives none, and takes a new one when it does', async () => {
    const orderedAt = new Date(Date.now() - HOUR).toISOString()
    await monetize.notify(shop, order({ orderId: 'dated', orderedAt }))
    const kept = await monetize.notify(shop, order({ orderId: 'dated', status: 'delivered' }))
    expect(kept.order.orderedAt.toISOString()).toBe(orderedAt)
    const moved = new Date(Date.now() - 2 * HOUR).toISOString()
    expect((await monetize.notify(shop, order({ orderId: 'dated', orderedAt: moved }))).order.orderedAt.toISOString()).toBe(moved)
  })

  it('records the email of an unsubscribed address as suppressed and queues no job', async () => {
    await storage.suppressions.add(monetize.addressHash('gone@example.com'))
    const result = await monetize.notify(shop, order({ email: 'GONE@example.com' }))
    expect(result.message?.status).toBe('suppressed')
    expect(queued).toEqual([])
  })

  it('fails the notification when reporting the order fails (its retry redoes both)', async () => {
    const failing = createMonetize({
      config, storage, logger: createLogger('silent'), mailer, ingest: (() => {}) as never, runNow: async () => {},
      onOrder: async () => { throw new Error('revenue down') },
    })
    await expect(failing.notify(shop, order())).rejects.toThrow('revenue down')
  })
})

describe('sendOfferEmail: one message, exactly once', () => {
  it('sends the best offers of other advertisers in the shop’s name through tracked links, and records the send', async () => {
    const id = await queuedMessage({ orderId: 'send-1', name: 'Ada Lovelace' })
    let lease: Date | null = null
    onSend = async () => void (lease = (await storage.messages.get(id))!.leaseUntil)
    const started = Date.now()
    const message = await monetize.sendOfferEmail(id)
    expect(sent).toHaveLength(1)
    const email = sent[0]!
    const token = monetize.unsubscribeToken(id)
    expect(email).toMatchObject({
      messageId: id,
      // Quotes, backslashes and line breaks of the shop's name cannot break out of the From header.
      from: '"Shop Quotes  CoBcc: x" <offers@net.example>',
      to: 'buyer@example.com',
      replyTo: shop.email,
      subject: `${shop.name}: thank you for your order — a few offers picked for you`,
      tags: ['offer-email', `shop-${shop.id}`],
      variables: { order: 'send-1', message: id },
      unsubscribeUrl: `${publicUrl}/unsubscribe?m=${id}&s=${token}`,
    })
    // The lease: two minutes from the claim, so a crashed sender's message is known interrupted after that.
    expect(lease!.getTime()).toBeGreaterThanOrEqual(started + 120_000)
    expect(lease!.getTime()).toBeLessThanOrEqual(Date.now() + 120_000)
    // Two offers (OFFERS_PER_EMAIL), best first, each through the shop's own link with the message and channel.
    const links = await storage.links.listByPublisher(shop.id)
    const urls = [best, second].map((c) => {
      const link = links.find((l) => l.campaignId === c.id)!
      expect(link).toMatchObject({ advertiserId: rival.id, publisherId: shop.id, landingUrl: 'https://rival.example/a', status: 'active' })
      expect(link.id).toMatch(/^lnk_/)
      return `${publicUrl}/c/${link.code}?sub1=${id}&sub2=${emailSubId}`
    })
    expect(links.some((l) => l.campaignId === third.id)).toBe(false)
    for (const url of urls) expect(email.text).toContain(url)
    expect(email.text.indexOf(urls[0]!)).toBeLessThan(email.text.indexOf(urls[1]!))
    expect(email.html).toContain('Hi Ada,')
    expect(message).toMatchObject({ status: 'sent', providerId: 'prov-1', leaseUntil: null, subject: email.subject, campaignIds: [best.id, second.id], attempts: 1 })
    expect(message!.sentAt!.getTime()).toBeGreaterThanOrEqual(started)
    expect(await storage.messages.get(id)).toMatchObject({ status: 'sent', providerId: 'prov-1' })
    // Never twice: the job run again claims nothing.
    expect(await monetize.sendOfferEmail(id)).toBeNull()
    expect(sent).toHaveLength(1)
  })

  it('reuses the shop’s active link to a landing page of the campaign, and makes a new one for a paused link or another page', async () => {
    const links = await storage.links.listByPublisher(shop.id)
    const bestLink = links.find((l) => l.campaignId === best.id)!
    const secondLink = links.find((l) => l.campaignId === second.id)!
    await storage.links.setStatus(secondLink.id, 'paused')
    const fresh = await newAccount('Fresh shop', ['publisher'])
    // A link of the fresh shop to a page the campaign no longer lists is not reused.
    await storage.links.create({ id: newId('lnk'), code: newId('c'), campaignId: best.id, advertiserId: rival.id, publisherId: fresh.id, landingUrl: 'https://rival.example/old', status: 'active' })
    await monetize.sendOfferEmail(await queuedMessage())
    const after = await storage.links.listByPublisher(shop.id)
    expect(after.filter((l) => l.campaignId === best.id).map((l) => l.id)).toEqual([bestLink.id])
    expect(after.filter((l) => l.campaignId === second.id && l.status === 'active')).toHaveLength(1)
    expect(sent[0]!.text).toContain(`/c/${bestLink.code}?`)
    expect(sent[0]!.text).not.toContain(`/c/${secondLink.code}?`)

    const freshMessage = (await monetize.notify(fresh, order())).message!.id
    await monetize.sendOfferEmail(freshMessage)
    const freshLinks = (await storage.links.listByPublisher(fresh.id)).filter((l) => l.campaignId === best.id)
    expect(freshLinks.map((l) => l.landingUrl).sort()).toEqual(['https://rival.example/a', 'https://rival.example/old'])
    expect(sent[1]!.text).toContain(`/c/${freshLinks.find((l) => l.landingUrl.endsWith('/a'))!.code}?`)
  })

  it('puts a transient failure back in the queue and throws (Agenda retries), until the sixth attempt gives it up', async () => {
    const id = await queuedMessage()
    failures = Array.from({ length: 10 }, () => new SendError('mailgun: 503', true, 503))
    for (let attempt = 1; attempt < maxSendAttempts; attempt++) {
      await expect(monetize.sendOfferEmail(id)).rejects.toThrow('mailgun: 503')
      expect(await storage.messages.get(id)).toMatchObject({ status: 'queued', error: 'mailgun: 503', leaseUntil: null, attempts: attempt })
    }
    expect(await monetize.sendOfferEmail(id)).toMatchObject({ status: 'failed', error: 'mailgun: 503', attempts: maxSendAttempts, leaseUntil: null })
    expect(sent).toHaveLength(maxSendAttempts)
    expect(maxSendAttempts).toBe(6)
  })

  it('gives a permanent failure up at once, saying so in the log, and treats an unclassified error as transient', async () => {
    const lines: Record<string, unknown>[] = []
    const logged = createMonetize({
      config, storage, mailer, ingest: (() => {}) as never, runNow: async () => {},
      logger: createLogger('warn', new Writable({ write: (chunk, _encoding, done) => void (lines.push(JSON.parse(String(chunk))), done()) })),
    })
    const permanent = (await logged.notify(shop, order())).message!.id
    failures = [new SendError('mailgun: 400 bad address', false, 400)]
    expect(await logged.sendOfferEmail(permanent)).toMatchObject({ status: 'failed', error: 'mailgun: 400 bad address' })
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'offer email failed', messageId: permanent, err: 'mailgun: 400 bad address' })])
    const unclassified = await queuedMessage()
    failures = [new Error('socket hang up')]
    await expect(monetize.sendOfferEmail(unclassified)).rejects.toMatchObject({ name: 'SendError', transient: true, message: 'socket hang up' })
    expect((await storage.messages.get(unclassified))!.status).toBe('queued')
  })

  it('suppresses a message whose address unsubscribed after it was queued, fails one without offers or without its order', async () => {
    const late = await queuedMessage({ email: 'late@example.com' })
    await storage.suppressions.add(monetize.addressHash('late@example.com'))
    expect(await monetize.sendOfferEmail(late)).toMatchObject({ status: 'suppressed', leaseUntil: null })

    const lonely = await newAccount('Lonely', ['publisher'])
    const alone = createMonetize({
      config, storage: { ...storage, campaigns: { ...storage.campaigns, listActive: async () => [] } } as never,
      logger: createLogger('silent'), mailer, ingest: (() => {}) as never, runNow: async () => {},
    })
    const noOffers = (await alone.notify(lonely, order())).message!.id
    expect(await alone.sendOfferEmail(noOffers)).toMatchObject({ status: 'failed', error: 'no active offers from other advertisers', leaseUntil: null })

    const orphan = newId('msg')
    await storage.messages.insertIfAbsent({ id: orphan, accountId: shop.id, orderId: null, channel: 'email', recipient: 'x@example.com', subject: '', tags: [], campaignIds: [], status: 'queued' })
    expect(await monetize.sendOfferEmail(orphan)).toMatchObject({ status: 'failed', error: 'the order or its buyer address is gone' })
    const noAddress = newId('msg')
    const stored = (await monetize.notify(shop, order({ email: undefined }))).order
    await storage.messages.insertIfAbsent({ id: noAddress, accountId: shop.id, orderId: stored.id, channel: 'email', recipient: null, subject: '', tags: [], campaignIds: [], status: 'queued' })
    expect(await monetize.sendOfferEmail(noAddress)).toMatchObject({ status: 'failed', error: 'the order or its buyer address is gone' })
    expect(sent).toEqual([])
  })
})

describe('expireInterruptedSends', () => {
  it('marks failed, never queued again, each send whose lease ran out, and counts them', async () => {
    const expired = await queuedMessage()
    const live = await queuedMessage()
    await storage.messages.claim(expired, new Date(Date.now() - 1_000))
    await storage.messages.claim(live, new Date(Date.now() + 60_000))
    expect(await monetize.expireInterruptedSends()).toBe(1)
    expect(await storage.messages.get(expired)).toMatchObject({ status: 'failed', error: 'interrupted while sending; not retried to avoid a second email', leaseUntil: null })
    expect((await storage.messages.get(live))!.status).toBe('sending')
    expect(await monetize.expireInterruptedSends()).toBe(0)
    expect(await monetize.expireInterruptedSends(new Date(Date.now() + 120_000))).toBe(1)
  })
})

describe('recordEmailLead: the buyer’s first click from an offer email', () => {
  async function sentMessage(recipient: string) {
    const id = await queuedMessage({ email: recipient })
    return (await monetize.sendOfferEmail(id))!
  }
  async function clickFrom(messageId: string | undefined, campaign: Campaign, patch: { publisherId?: string; channel?: string } = {}) {
    const publisherId = patch.publisherId ?? shop.id
    const link = (await storage.links.listByPublisher(publisherId)).find((l) => l.campaignId === campaign.id)
      ?? (await storage.links.create({ id: newId('lnk'), code: newId('c'), campaignId: campaign.id, advertiserId: campaign.advertiserId, publisherId, landingUrl: campaign.landingUrls[0]!, status: 'active' }))
    const click = {
      id: newClickId(), linkId: link.id, campaignId: campaign.id, advertiserId: campaign.advertiserId, publisherId, createdAt: new Date(),
      subIds: messageId === undefined ? [] : [messageId, patch.channel ?? emailSubId], userAgent: 'agent', referrer: null, ipHash: 'ip', visitorKey: newId('v'),
      bot: false, duplicate: false, landingUrl: link.landingUrl,
    }
    await storage.clicks.insertMany([click])
    return click
  }

  it('credits the shop the campaign’s lead once per buyer and offer', async () => {
    const message = await sentMessage('lead@example.com')
    const lead = await monetize.recordEmailLead(await clickFrom(message.id, best), best)
    const key = monetize.addressHash('lead@example.com').slice(0, 32)
    expect(lead).toMatchObject({
      advertiserId: rival.id, campaignId: best.id, publisherId: shop.id, type: 'lead', orderId: `email-lead:${best.id}:${key}`,
      commission: 500, commissionCurrency: 'EUR', status: 'pending',
    })
    expect(lead!.source).toBe('email')
    expect(lead!.clickId).not.toBeNull()
    const [entry] = await storage.requestLog.list({ advertiserId: rival.id, limit: 1 })
    expect(entry).toMatchObject({ kind: 'click', outcome: 'accepted', conversionId: lead!.id, params: { message: message.id, campaign: best.id } })
    expect(await monetize.recordEmailLead(await clickFrom(message.id, best), best)).toBeNull()
    // The same buyer's email from another order: still the same buyer and offer.
    const again = await sentMessage('lead@example.com')
    expect(await monetize.recordEmailLead(await clickFrom(again.id, best), best)).toBeNull()
    expect(await monetize.recordEmailLead(await clickFrom(message.id, second), second)).toMatchObject({ commission: 300, orderId: `email-lead:${second.id}:${key}` })
  })

  it('credits nothing for a click from elsewhere, an unknown or another shop’s message, an offer it did not carry, a forgotten address, a campaign without a lead rule', async () => {
    const message = await sentMessage('nolead@example.com')
    const other = await newAccount('Other shop', ['publisher'])
    const noLeadRule = { ...best, leadRule: null }
    const outcomes = [
      await monetize.recordEmailLead(await clickFrom(undefined, best), best),
      await monetize.recordEmailLead(await clickFrom(message.id, best, { channel: 'social' }), best),
      await monetize.recordEmailLead(await clickFrom('', best), best),
      await monetize.recordEmailLead(await clickFrom(newId('msg'), best), best),
      await monetize.recordEmailLead(await clickFrom(message.id, best, { publisherId: other.id }), best),
      await monetize.recordEmailLead(await clickFrom(message.id, third), third),
      await monetize.recordEmailLead(await clickFrom(message.id, best), noLeadRule),
    ]
    expect(outcomes).toEqual([null, null, null, null, null, null, null])
    await storage.messages.forgetBefore(new Date(Date.now() + 1_000))
    expect(await monetize.recordEmailLead(await clickFrom(message.id, best), best)).toBeNull()
    expect(await storage.conversions.getByOrder(rival.id, `email-lead:${best.id}:${monetize.addressHash('nolead@example.com').slice(0, 32)}`)).toBeNull()
  })
})

describe('unsubscribe', () => {
  it('suppresses the message’s address for its own token only; a bad or unknown link is refused', async () => {
    const id = await queuedMessage({ email: 'unsub@example.com' })
    const token = monetize.unsubscribeToken(id)
    expect(token).toHaveLength(32)
    expect(await monetize.unsubscribe(id, token.slice(0, 31))).toBe(false)
    expect(await monetize.unsubscribe(id, `${token.slice(0, 31)}${token[31] === 'a' ? 'b' : 'a'}`)).toBe(false)
    expect(await monetize.unsubscribe(id, monetize.unsubscribeToken(newId('msg')))).toBe(false)
    expect(await storage.suppressions.has(monetize.addressHash('unsub@example.com'))).toBe(false)
    const unknown = newId('msg')
    expect(await monetize.unsubscribe(unknown, monetize.unsubscribeToken(unknown))).toBe(false)
    expect(await monetize.unsubscribe(id, token)).toBe(true)
    expect(await storage.suppressions.has(monetize.addressHash('UNSUB@example.com'))).toBe(true)
    // A message whose address was forgotten: the link still works, there is nothing left to suppress.
    const forgotten = newId('msg')
    await storage.messages.insertIfAbsent({ id: forgotten, accountId: shop.id, orderId: null, channel: 'email', recipient: null, subject: '', tags: [], campaignIds: [], status: 'failed' })
    expect(await monetize.unsubscribe(forgotten, monetize.unsubscribeToken(forgotten))).toBe(true)
  })

  it('derives the address hash and the token from the network’s secret', () => {
    const other = createMonetize({ config: { ...config, cookieSecret: 'another-secret-another-secret-00' }, storage, logger: createLogger('silent'), mailer, ingest: (() => {}) as never, runNow: async () => {} })
    expect(other.addressHash('a@example.com')).not.toBe(monetize.addressHash('a@example.com'))
    expect(other.unsubscribeToken('msg_1')).not.toBe(monetize.unsubscribeToken('msg_1'))
    expect(monetize.addressHash('A@Example.com')).toBe(monetize.addressHash('a@example.com'))
    // Stored (suppressions, lead order ids): the derivation itself is part of the data's format.
    const hmac = (text: string) => createHmac('sha256', config.cookieSecret).update(text).digest('base64url')
    expect(monetize.addressHash('A@Example.com')).toBe(hmac('address:a@example.com'))
    expect(monetize.unsubscribeToken('msg_1')).toBe(hmac('unsubscribe:msg_1').slice(0, 32))
    expect(monetize.unsubscribeToken('msg_1')).not.toBe(monetize.unsubscribeToken('msg_2'))
  })
})

describe('reinvest and credit', () => {
  const credit = () => createCredit({ storage })
  const balance = async (accountId: string) => (await storage.ledger.balances(accountId)).find((b) => b.currency === 'EUR')
  async function give(accountId: string, bucket: 'approved' | 'credit', amount: number) {
    await storage.ledger.append([{ accountId, bucket, amount, currency: 'EUR', kind: 'approval', conversionId: null, payoutId: null, key: newId('key'), memo: null }])
  }

  it('moves approved earnings into credit once per key, only for an account that is publisher and advertiser, never more than approved', async () => {
    await give(dual.id, 'approved', 1_000)
    const refusal = (error: unknown) => ({ status: (error as AppError).status, code: (error as AppError).code, field: (error as AppError).field })
    expect(refusal(await credit().reinvest(shop, 100, 'EUR', 'k0').catch((e: unknown) => e))).toEqual({ status: 403, code: 'forbidden', field: undefined })
    await expect(credit().reinvest(shop, 100, 'EUR', 'k0')).rejects.toThrow('reinvesting needs an account that is both publisher and advertiser')
    await expect(credit().reinvest(dual, 1_001, 'EUR', 'k1')).rejects.toThrow('amount is more than the approved balance in that currency')
    expect(refusal(await credit().reinvest(advertiserOnly, 100, 'EUR', 'k0').catch((e: unknown) => e))).toMatchObject({ status: 403 })
    expect(refusal(await credit().reinvest(dual, 1_001, 'EUR', 'k1').catch((e: unknown) => e))).toEqual({ status: 409, code: 'insufficient_funds', field: 'amount' })
    expect(await credit().reinvest(dual, 400, 'EUR', 'k1')).toBe('done')
    expect(await credit().reinvest(dual, 400, 'EUR', 'k1')).toBe('duplicate')
    expect(await balance(dual.id)).toMatchObject({ approved: 600, credit: 400 })
    const entries = await storage.ledger.listByAccount(dual.id)
    expect(entries.filter((e) => e.kind === 'reinvest').map((e) => [e.bucket, e.amount, e.key, e.memo])).toEqual(expect.arrayContaining([
      ['approved', -400, 'reinvest:k1:approved', 'reinvested into advertising credit'], ['credit', 400, 'reinvest:k1:credit', 'reinvested into advertising credit'],
    ]))
  })

  it('pays an approved conversion’s commission from the advertiser’s credit first, up to what the credit holds, once', async () => {
    const advertiser = await newAccount('Credit advertiser', ['publisher', 'advertiser'])
    const conversion = (patch: Partial<Conversion>) => ({ id: newId('cnv'), advertiserId: advertiser.id, orderId: newId('o'), commission: 500, reversedCommission: 0, commissionCurrency: 'EUR', ...patch }) as Conversion
    expect(await credit().spend(conversion({}))).toBe(0)
    await give(advertiser.id, 'credit', 300)
    expect(await credit().spend(conversion({ commission: 500, reversedCommission: 500 }))).toBe(0)
    const partly = conversion({ commission: 500 })
    expect(await credit().spend(partly)).toBe(300)
    expect((await balance(advertiser.id))?.credit).toBe(0)
    await give(advertiser.id, 'credit', 1_000)
    const whole = conversion({ commission: 700, reversedCommission: 200 })
    expect(await credit().spend(whole)).toBe(500)
    expect(await credit().spend(whole)).toBe(0)
    expect((await balance(advertiser.id))?.credit).toBe(500)
    expect(await credit().spend(conversion({ commissionCurrency: 'USD' }))).toBe(0)
    // The credit in the conversion's currency, not whichever balance comes first.
    await storage.ledger.append([{ accountId: advertiser.id, bucket: 'credit', amount: 100, currency: 'USD', kind: 'approval', conversionId: null, payoutId: null, key: newId('key'), memo: null }])
    expect(await credit().spend(conversion({ commissionCurrency: 'USD', commission: 300 }))).toBe(100)
    const spent = (await storage.ledger.listByAccount(advertiser.id)).filter((e) => e.kind === 'spend' && e.currency === 'EUR')
    expect(spent.map((e) => [e.bucket, e.amount, e.key, e.conversionId, e.memo]).sort()).toEqual([
      ['credit', -300, `conversion:${partly.id}:spend:credit`, partly.id, `commission of conversion ${partly.orderId}`],
      ['credit', -500, `conversion:${whole.id}:spend:credit`, whole.id, `commission of conversion ${whole.orderId}`],
    ].sort())
  })

  it('tries again, three times in all, when the credit moved between reading it and spending it', async () => {
    const advertiser = await newAccount('Racing advertiser', ['publisher', 'advertiser'])
    await give(advertiser.id, 'credit', 1_000)
    let refusals = 0
    let tries = 0
    const racing = (refuse: number) => createCredit({
      storage: { ...storage, ledger: { ...storage.ledger, transfer: async (t: Parameters<typeof storage.ledger.transfer>[0]) => {
        tries++
        if (refusals < refuse) {
          refusals++
          return 'insufficient' as const
        }
        return storage.ledger.transfer(t)
      } } } as never,
    })
    const conversion = { id: newId('cnv'), advertiserId: advertiser.id, orderId: 'o', commission: 400, reversedCommission: 0, commissionCurrency: 'EUR' } as Conversion
    expect(await racing(2).spend(conversion)).toBe(400)
    expect(tries).toBe(3)
    refusals = 0
    tries = 0
    expect(await racing(5).spend({ ...conversion, id: newId('cnv') })).toBe(0)
    expect(tries).toBe(3)
  })
})
