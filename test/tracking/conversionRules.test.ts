// createConversionIngest() on its own, over a real embedded store (in memory, from the migrated image): the one
// ingestion use-case every conversion path calls, each rule pinned exactly — the code, field and message of
// every refusal (in the caller's own field names), the request-log entry of every outcome, the conversion as
// stored (currency, amount, commission, hold period, email), and the upgrade rules of a duplicate order.
// conversions.test.ts and upgrade.test.ts run the same rules end to end through HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../server/src/errors.js'
import { newClickId, newId } from '../../server/src/ids.js'
import { createLogger } from '../../server/src/logger.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { Campaign, Click, Conversion, ConversionUpgrade, NewCampaign, RequestLogEntry, Storage, TrackingCode } from '../../server/src/storage/types.js'
import { TtlCache } from '../../server/src/cache.js'
import { createConversionIngest, type ConversionRequest } from '../../server/src/tracking/conversions.js'
import { createLifecycle } from '../../server/src/conversions/lifecycle.js'
import type { ConversionParams } from '../../server/src/tracking/params.js'
import { RequestLog } from '../../server/src/tracking/requestLog.js'
import { memoryStore } from '../support/stores.js'

const DAY = 86_400_000
const HOUR = 3_600_000
let storage: PostgresStorage
let requestLog: RequestLog
const ids = { advertiser: newId('acc'), other: newId('acc'), publisher: newId('acc'), publisher2: newId('acc') }
let campaign: Campaign
let otherCampaign: Campaign
let code: TrackingCode
let linkId: string
let link2Id: string

/** The approvals the lifecycle asked Agenda for. */
let scheduled: Date[]

const newCampaign = (advertiserId: string, patch: Partial<NewCampaign> = {}): NewCampaign => ({
  id: newId('cmp'), advertiserId, name: 'Spring', description: '', status: 'active', currency: 'EUR', landingUrls: ['https://shop.example/'],
  cookieWindowDays: 30, holdDays: 3, attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 1000 },
  leadRule: { kind: 'fixed', amount: 250 }, ...patch,
})

beforeAll(async () => {
  storage = await memoryStore()
  requestLog = new RequestLog(storage)
  const roles = { advertiser: 'advertiser', other: 'advertiser', publisher: 'publisher', publisher2: 'publisher' } as const
  for (const [name, id] of Object.entries(ids)) {
    await storage.accounts.create({ id, name, email: `${id}@ingest.example`, roles: [roles[name as keyof typeof ids]], status: 'active', passwordHash: null })
  }
  campaign = await storage.campaigns.create(newCampaign(ids.advertiser))
  otherCampaign = await storage.campaigns.create(newCampaign(ids.other, { currency: 'USD' }))
  code = await storage.trackingCodes.create({
    id: newId('trk'), code: newId('t'), advertiserId: ids.advertiser, campaignId: campaign.id, name: 'shop', method: 'GET',
    redirectUrl: null, postbackSecret: 'secret', status: 'active',
  })
  linkId = (await storage.links.create({ id: newId('lnk'), code: newId('c'), campaignId: campaign.id, advertiserId: ids.advertiser, publisherId: ids.publisher, landingUrl: 'https://shop.example/', status: 'active' })).id
  link2Id = (await storage.links.create({ id: newId('lnk'), code: newId('c'), campaignId: campaign.id, advertiserId: ids.advertiser, publisherId: ids.publisher2, landingUrl: 'https://shop.example/', status: 'active' })).id
})
afterAll(() => storage?.close())
beforeEach(() => {
  scheduled = []
})

const ingestWith = (over: { storage?: Storage; upgradeWindowMs?: number } = {}) => {
  const s = over.storage ?? storage
  const lifecycle = createLifecycle({
    storage: s, logger: createLogger('silent'), scheduleOnce: async (when) => void scheduled.push(when), onApproved: async () => {},
  })
  return createConversionIngest({ upgradeWindowMs: over.upgradeWindowMs ?? 24 * HOUR, storage: s, requestLog, lifecycle, campaigns: new TtlCache<Campaign | null>(60_000) })
}

async function click(patch: Partial<Click> = {}): Promise<Click> {
  const c: Click = {
    id: newClickId(), linkId, campaignId: campaign.id, advertiserId: ids.advertiser, publisherId: ids.publisher, createdAt: new Date(Date.now() - HOUR),
    subIds: [], userAgent: null, referrer: null, ipHash: null, visitorKey: newId('v'), bot: false, duplicate: false, landingUrl: 'https://shop.example/', ...patch,
  }
  await storage.clicks.insertMany([c])
  return c
}

const request = (params: ConversionParams, patch: Partial<ConversionRequest> = {}): ConversionRequest => ({
  source: 'pixel', kind: 'pixel', advertiserId: ids.advertiser, trackingCode: code, params: { orderId: newId('ord'), ...params }, cookieClicks: {},
  raw: { note: 'as sent' }, ipHash: 'iphash', userAgent: 'agent', ...patch,
})

/** The request-log entry of one hit, by the id the hit gave it. */
async function logged(logId: string): Promise<RequestLogEntry | undefined> {
  await requestLog.drain()
  return (await storage.requestLog.list({ advertiserId: ids.advertiser, limit: 1000 })).find((e) => e.id === logId)
}

async function refusal(call: Promise<unknown>) {
  const error = await call.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  const e = error as AppError
  return { status: e.status, code: e.code, field: e.field, message: e.message }
}

const pendingOf = async (publisherId: string) =>
  (await storage.ledger.balances(publisherId)).map((b) => ({ currency: b.currency, pending: b.pending }))

describe('refusals', () => {
  it('name the field as the caller spells it, and are logged as rejected with their code before they are thrown', async () => {
    const ingest = ingestWith()
    const cases: [ConversionParams, Partial<ConversionRequest>, { code: string; field: string; message: string }][] = [
      [{ type: 'refund' }, {}, { code: 'bad_type', field: 'type', message: "type must be 'sale' or 'lead'" }],
      [{ orderId: '' }, {}, { code: 'missing_order_id', field: 'id', message: 'id (the order id) is required' }],
      [{ orderId: '' }, { fields: { orderId: 'orderId' } }, { code: 'missing_order_id', field: 'orderId', message: 'orderId (the order id) is required' }],
      [{ orderId: ' leading space' }, {}, { code: 'bad_order_id', field: 'id', message: 'id must be 1–100 printable characters' }],
      [{ orderId: 'x'.repeat(101) }, { fields: { orderId: 'orderId' } }, { code: 'bad_order_id', field: 'orderId', message: 'orderId must be 1–100 printable characters' }],
      [{ orderId: 'tab\there' }, {}, { code: 'bad_order_id', field: 'id', message: 'id must be 1–100 printable characters' }],
      [{ clickId: 'short' }, {}, { code: 'bad_click_id', field: 'nclid', message: 'nclid is not a click id issued by this network' }],
      [{ clickId: 'short' }, { fields: { clickId: 'clickId' } }, { code: 'bad_click_id', field: 'clickId', message: 'clickId is not a click id issued by this network' }],
      [{ firstClickId: 'short' }, {}, { code: 'bad_click_id', field: 'nclid1', message: 'nclid1 is not a click id issued by this network' }],
      [{ firstClickId: 'short' }, { fields: { clickId: 'clickId' } }, { code: 'bad_click_id', field: 'firstClickId', message: 'firstClickId is not a click id issued by this network' }],
      [{ email: 'not-an-address' }, {}, { code: 'bad_email', field: 'email', message: 'email must be an email address' }],
      [{ email: 'a@b' }, { fields: { email: 'customerEmail' } }, { code: 'bad_email', field: 'customerEmail', message: 'customerEmail must be an email address' }],
      [{ amount: '12.345' }, {}, { code: 'bad_amount', field: 'amount', message: 'amount has more than 2 decimal places for EUR' }],
      [{ currency: 'XXQ', amount: '1' }, {}, { code: 'bad_currency', field: 'currency', message: 'currency must be an ISO 4217 currency code such as EUR or USD' }],
      // The API without a tracking code: the campaign must be the caller's own.
      [{}, { trackingCode: null, campaignId: otherCampaign.id }, { code: 'unknown_campaign', field: 'campaignId', message: 'campaignId is not one of your campaigns' }],
      [{}, { trackingCode: null, campaignId: 'cmp_none' }, { code: 'unknown_campaign', field: 'campaignId', message: 'campaignId is not one of your campaigns' }],
    ]
    for (const [params, patch, expected] of cases) {
      const logId = newId('req')
      const req = request({ amount: '10', ...params }, { ...patch, logId })
      expect(await refusal(ingest(req)), JSON.stringify(params)).toEqual({ status: 400, ...expected })
      const entry = await logged(logId)
      expect(entry, expected.code).toMatchObject({
        kind: 'pixel', outcome: 'rejected', reason: expected.code, advertiserId: ids.advertiser, trackingCodeId: patch.trackingCode === null ? null : code.id,
        conversionId: null, params: { note: 'as sent' }, ipHash: 'iphash', userAgent: 'agent',
      })
    }
    // Printable ASCII from '!' to '~', 100 of them, is an order id.
    const ok = await ingest(request({ orderId: `!${'~'.repeat(98)} `, amount: '1' }))
    expect(ok.created).toBe(true)
    expect(ok.conversion.orderId).toBe(`!${'~'.repeat(98)} `)
  })

  it('an error that is not a refusal (the store failing) is passed on and logs nothing', async () => {
    const failing = new Proxy(storage, {
      get: (target, name) => (name === 'conversions'
        ? { ...target.conversions, insertIfAbsent: async () => { throw new Error('disk on fire') } }
        : Reflect.get(target, name)),
    })
    const logId = newId('req')
    await expect(ingestWith({ storage: failing })(request({ amount: '5' }, { logId }))).rejects.toThrow('disk on fire')
    expect(await logged(logId)).toBeUndefined()
  })
})

describe('a new conversion', () => {
  it('attributed: the click’s publisher, the commission, the hold period from the hit’s time, the approval asked for, the log accepted', async () => {
    const c = await click()
    const at = new Date(Date.now() - 60_000)
    const logId = newId('req')
    const conversionId = newId('cnv')
    const out = await ingestWith()(request({ amount: '19.95', clickId: c.id, email: 'Buyer@Example.COM' }, { at, logId, conversionId, source: 'script', kind: 'script' }))
    expect(out).toMatchObject({ created: true, upgraded: false, reason: 'attributed' })
    expect(out.conversion).toMatchObject({
      id: conversionId, advertiserId: ids.advertiser, campaignId: campaign.id, trackingCodeId: code.id, publisherId: ids.publisher, clickId: c.id,
      type: 'sale', amount: 1995, currency: 'EUR', commission: 200, commissionCurrency: 'EUR', commissionRule: { kind: 'percent', basisPoints: 1000 },
      status: 'pending', reason: 'attributed', source: 'script', refundedAmount: 0, reversedCommission: 0, customerEmail: 'buyer@example.com',
      approveAt: new Date(at.getTime() + 3 * DAY),
    })
    expect(scheduled).toHaveLength(1)
    expect(scheduled[0]!.getTime()).toBeGreaterThanOrEqual(at.getTime() + 3 * DAY)
    const entry = await logged(logId)
    expect(entry).toMatchObject({ kind: 'script', outcome: 'accepted', reason: 'attributed', conversionId, clickId: c.id, trackingCodeId: code.id, at })
    const entries = (await storage.ledger.listByAccount(ids.publisher, 10_000)).filter((e) => e.conversionId === conversionId)
    expect(entries.map((e) => [e.bucket, e.amount, e.currency])).toEqual([['pending', 200, 'EUR']])
    // Without an id given by a spooled hit, a new one of its own kind.
    expect((await ingestWith()(request({ amount: '1' }))).conversion.id).toMatch(/^cnv_/)
  })

  it('the pixel without a currency takes the campaign’s; with one, its own; a lead without an amount is 0 and earns the lead rule', async () => {
    const ingest = ingestWith()
    const yen = await storage.campaigns.create(newCampaign(ids.advertiser, { currency: 'JPY' }))
    const yenCode = { ...code, campaignId: yen.id }
    // The tracking code's campaign, for an unattributed pixel: yen have no minor unit.
    const byCode = await ingest(request({ amount: '1500' }, { trackingCode: yenCode }))
    expect(byCode.conversion).toMatchObject({ currency: 'JPY', amount: 1500, publisherId: null, commission: 0, commissionCurrency: 'JPY', commissionRule: null, campaignId: yen.id })
    // The attributed click's campaign wins over the tracking code's.
    const c = await click()
    const byClick = await ingest(request({ amount: '15', clickId: c.id }, { trackingCode: yenCode }))
    expect(byClick.conversion).toMatchObject({ currency: 'EUR', amount: 1500, campaignId: campaign.id, commission: 150 })
    // A bot's click names the conversion's campaign, and so its currency.
    const bot = await ingest(request({ amount: '15', clickId: (await click({ bot: true })).id }, { trackingCode: yenCode }))
    expect(bot.conversion).toMatchObject({ currency: 'EUR', amount: 1500, campaignId: campaign.id, reason: 'bot_click', publisherId: null })
    // A currency sent is used, whatever the campaign's.
    const sent = await ingest(request({ amount: '15', currency: 'usd' }))
    expect(sent.conversion).toMatchObject({ currency: 'USD', amount: 1500 })
    // Without a tracking code or a campaign, there is no default: the currency is required.
    expect(await refusal(ingest(request({ amount: '15' }, { trackingCode: null })))).toMatchObject({ code: 'bad_currency', field: 'currency' })
    // A sale needs its amount; a lead may have none.
    expect(await refusal(ingest(request({})))).toMatchObject({ code: 'bad_amount', field: 'amount' })
    const lead = await ingest(request({ type: 'lead', clickId: (await click()).id }))
    expect(lead.conversion).toMatchObject({ type: 'lead', amount: 0, currency: 'EUR', commission: 250, commissionRule: { kind: 'fixed', amount: 250 } })
    const leadWithAmount = await ingest(request({ type: 'lead', amount: '3' }))
    expect(leadWithAmount.conversion).toMatchObject({ type: 'lead', amount: 300 })
    expect((await ingest(request({ type: 'sale', amount: '1' }))).conversion.type).toBe('sale')
  })

  it('through the API, an unattributed conversion belongs to the campaign named; the hold period is that campaign’s', async () => {
    const now = new Date()
    const out = await ingestWith()(request({ amount: '2', currency: 'EUR' }, { trackingCode: null, campaignId: campaign.id, source: 'api', kind: 'api', at: now }))
    expect(out.conversion).toMatchObject({ campaignId: campaign.id, trackingCodeId: null, publisherId: null, reason: 'no_click', approveAt: new Date(now.getTime() + 3 * DAY) })
    // Without any campaign, there is nothing to hold: due at once.
    const bare = await ingestWith()(request({ amount: '2', currency: 'EUR' }, { trackingCode: null, at: now }))
    expect(bare.conversion).toMatchObject({ campaignId: null, approveAt: now })
  })

  it('a per-publisher override sets the commission', async () => {
    const pub2Campaign = await storage.campaigns.create(newCampaign(ids.advertiser))
    const link = await storage.links.create({ id: newId('lnk'), code: newId('c'), campaignId: pub2Campaign.id, advertiserId: ids.advertiser, publisherId: ids.publisher2, landingUrl: 'https://shop.example/', status: 'active' })
    await storage.commissionOverrides.put({ campaignId: pub2Campaign.id, publisherId: ids.publisher2, saleRule: { kind: 'percent', basisPoints: 2500 }, leadRule: null })
    const c = await click({ linkId: link.id, campaignId: pub2Campaign.id, publisherId: ids.publisher2 })
    const out = await ingestWith()(request({ amount: '10', clickId: c.id }))
    expect(out.conversion).toMatchObject({ publisherId: ids.publisher2, commission: 250, commissionRule: { kind: 'percent', basisPoints: 2500 } })
  })

  it('a bot’s click names its campaign and click but pays nobody; the log says why', async () => {
    const bot = await click({ bot: true })
    const logId = newId('req')
    const out = await ingestWith()(request({ amount: '10', clickId: bot.id, currency: 'EUR' }, { trackingCode: null, logId }))
    expect(out).toMatchObject({ created: true, reason: 'bot_click' })
    expect(out.conversion).toMatchObject({ campaignId: campaign.id, clickId: bot.id, publisherId: null, commission: 0, commissionRule: null, reason: 'bot_click' })
    expect(await logged(logId)).toMatchObject({ outcome: 'accepted', reason: 'bot_click', clickId: bot.id })
  })

  it('a replayed hit that finds its own conversion counts as created (and asks for its approval again), not as a duplicate', async () => {
    const req = request({ amount: '4' }, { conversionId: newId('cnv') })
    const first = await ingestWith()(req)
    // Replayed by the next process (its lifecycle knows no approval runs yet).
    const again = await ingestWith()(req)
    expect(again).toEqual({ conversion: first.conversion, created: true, upgraded: false, reason: 'no_click' })
    expect(scheduled).toHaveLength(2)
  })
})

describe('a duplicate order', () => {
  it('is logged as rejected, and changes nothing', async () => {
    const ingest = ingestWith()
    const orderId = newId('ord')
    const first = await ingest(request({ orderId, amount: '8', clickId: (await click()).id }))
    const logId = newId('req')
    const again = await ingest(request({ orderId, amount: '99', clickId: (await click({ linkId: link2Id, publisherId: ids.publisher2 })).id }, { logId }))
    expect(again).toEqual({ conversion: first.conversion, created: false, upgraded: false, reason: 'duplicate_order' })
    expect(await logged(logId)).toMatchObject({ outcome: 'rejected', reason: 'duplicate_order', conversionId: first.conversion.id, clickId: first.conversion.clickId })
    // Without an attributable click, it is a plain duplicate too.
    expect((await ingest(request({ orderId, amount: '8' }))).reason).toBe('duplicate_order')
  })

  it('that cannot be upgraded is decided from what was read, without a write', async () => {
    let upgrades = 0
    const counting = new Proxy(storage, {
      get: (target, name) => (name === 'conversions'
        ? { ...target.conversions, upgrade: async (u: ConversionUpgrade) => (upgrades++, target.conversions.upgrade(u)) }
        : Reflect.get(target, name)),
    })
    const ingest = ingestWith({ storage: counting })
    const attributedOrder = newId('ord')
    await ingest(request({ orderId: attributedOrder, amount: '8', clickId: (await click()).id }))
    expect((await ingest(request({ orderId: attributedOrder, amount: '8', clickId: (await click()).id }))).reason).toBe('duplicate_order')
    for (const change of [{ status: 'declined' as const }, { refundedAmount: 1 }]) {
      const orderId = newId('ord')
      const first = await ingest(request({ orderId, amount: '20' }))
      await storage.conversions.transition({ id: first.conversion.id, from: ['pending'], set: change, ledger: [] })
      expect((await ingest(request({ orderId, amount: '20', clickId: (await click()).id }))).reason).toBe('duplicate_order_decided')
    }
    expect(upgrades).toBe(0)
    const open = newId('ord')
    await ingest(request({ orderId: open, amount: '20' }))
    expect((await ingest(request({ orderId: open, amount: '20', clickId: (await click()).id }))).reason).toBe('upgraded')
    expect(upgrades).toBe(1)
  })

  it('without a publisher, is upgraded by a later attributable click: commission, pending entry, approval from its first hit', async () => {
    const ingest = ingestWith()
    const orderId = newId('ord')
    const createdAt = new Date(Date.now() - 2 * HOUR)
    const first = await ingest(request({ orderId, amount: '20' }, { at: createdAt }))
    expect(first.conversion.publisherId).toBeNull()
    const before = await pendingOf(ids.publisher2)
    const c = await click({ linkId: link2Id, publisherId: ids.publisher2, createdAt: new Date(Date.now() - 3 * HOUR) })
    const logId = newId('req')
    scheduled = []
    const out = await ingest(request({ orderId, amount: '20', clickId: c.id }, { logId, source: 'script', kind: 'script' }))
    expect(out).toMatchObject({ created: false, upgraded: true, reason: 'upgraded' })
    expect(out.conversion).toMatchObject({
      id: first.conversion.id, publisherId: ids.publisher2, clickId: c.id, campaignId: campaign.id, commission: 200, commissionCurrency: 'EUR',
      commissionRule: { kind: 'percent', basisPoints: 1000 }, reason: 'attributed', source: 'pixel',
    })
    // The hold period counts from the order's first hit, not from the upgrade.
    expect(out.conversion.approveAt!.getTime()).toBe(out.conversion.createdAt.getTime() + 3 * DAY)
    expect(scheduled).toHaveLength(1)
    const after = await pendingOf(ids.publisher2)
    expect((after[0]?.pending ?? 0) - (before[0]?.pending ?? 0)).toBe(200)
    expect(await logged(logId)).toMatchObject({ outcome: 'accepted', reason: 'upgraded', conversionId: first.conversion.id, clickId: c.id })
  })

  it('an override of the upgrading click’s publisher sets the upgraded commission', async () => {
    const own = await storage.campaigns.create(newCampaign(ids.advertiser))
    const link = await storage.links.create({ id: newId('lnk'), code: newId('c'), campaignId: own.id, advertiserId: ids.advertiser, publisherId: ids.publisher, landingUrl: 'https://shop.example/', status: 'active' })
    await storage.commissionOverrides.put({ campaignId: own.id, publisherId: ids.publisher, saleRule: { kind: 'fixed', amount: 777 }, leadRule: null })
    const ingest = ingestWith()
    const orderId = newId('ord')
    await ingest(request({ orderId, amount: '20' }))
    const out = await ingest(request({ orderId, amount: '20', clickId: (await click({ linkId: link.id, campaignId: own.id })).id }))
    expect(out.conversion).toMatchObject({ campaignId: own.id, commission: 777, commissionRule: { kind: 'fixed', amount: 777 } })
  })

  it('decided or partly refunded: not upgraded (duplicate_order_decided)', async () => {
    const ingest = ingestWith()
    for (const change of [{ status: 'declined' as const }, { refundedAmount: 100 }]) {
      const orderId = newId('ord')
      const first = await ingest(request({ orderId, amount: '20' }))
      await storage.conversions.transition({ id: first.conversion.id, from: ['pending'], set: change, ledger: [] })
      const out = await ingest(request({ orderId, amount: '20', clickId: (await click()).id }))
      expect(out, JSON.stringify(change)).toMatchObject({ created: false, upgraded: false, reason: 'duplicate_order_decided' })
      expect(out.conversion.publisherId).toBeNull()
    }
  })

  it('past the upgrade window, measured from the first hit to this one, to the millisecond: duplicate_order_late', async () => {
    const ingest = ingestWith({ upgradeWindowMs: HOUR })
    const orderId = newId('ord')
    const first = await ingest(request({ orderId, amount: '20' }))
    const createdAt = first.conversion.createdAt.getTime()
    const c = await click()
    const late = await ingest(request({ orderId, amount: '20', clickId: c.id }, { at: new Date(createdAt + HOUR + 1) }))
    expect(late).toMatchObject({ upgraded: false, reason: 'duplicate_order_late' })
    expect(late.conversion.publisherId).toBeNull()
    const onTime = await ingest(request({ orderId, amount: '20', clickId: c.id }, { at: new Date(createdAt + HOUR) }))
    expect(onTime).toMatchObject({ upgraded: true, reason: 'upgraded' })
  })

  it('upgraded meanwhile by another hit: what is stored stands (duplicate_order); decided meanwhile: duplicate_order_decided', async () => {
    for (const meanwhile of ['upgraded', 'declined'] as const) {
      const orderId = newId('ord')
      const first = await ingestWith()(request({ orderId, amount: '20' }))
      const winner = await click({ linkId: link2Id, publisherId: ids.publisher2 })
      // The store's upgrade finds the row changed since it was read: another hit did it first.
      const racing = new Proxy(storage, {
        get: (target, name) => (name === 'conversions'
          ? {
              ...target.conversions,
              upgrade: async (u: ConversionUpgrade) => {
                if (meanwhile === 'upgraded') await target.conversions.upgrade({ ...u, set: { ...u.set, publisherId: ids.publisher2, clickId: winner.id }, ledger: [] })
                else await target.conversions.transition({ id: u.id, from: ['pending'], set: { status: 'declined' }, ledger: [] })
                return target.conversions.upgrade(u)
              },
            }
          : Reflect.get(target, name)),
      })
      scheduled = []
      const out = await ingestWith({ storage: racing })(request({ orderId, amount: '20', clickId: (await click()).id }))
      const stored = (await storage.conversions.get(first.conversion.id)) as Conversion
      expect(out).toEqual({ conversion: stored, created: false, upgraded: false, reason: meanwhile === 'upgraded' ? 'duplicate_order' : 'duplicate_order_decided' })
      expect(stored.publisherId).toBe(meanwhile === 'upgraded' ? ids.publisher2 : null)
      expect(scheduled).toEqual([])
    }
  })
})
