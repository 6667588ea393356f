// Revenue's use-cases on their own, over a real embedded store (in memory, from the migrated image): the
// Mailgun webhook's every check and outcome (what is stored, what is re-attributed, what is suppressed), a
// settings change and the re-attribution it queues, the job's paging and statistics, and when a report does
// the work itself or leaves it to the job. webhook.test.ts and report.test.ts run the same through HTTP.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/src/config.js'
import { AppError } from '../../server/src/errors.js'
import { newId } from '../../server/src/ids.js'
import { createLogger } from '../../server/src/logger.js'
import { createRevenue, inlineLimit, reattributeJob, type Revenue } from '../../server/src/revenue/index.js'
import { defaultRules } from '../../server/src/revenue/settings.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { Account, AttributionRepository, AttributionScope, Message, StaleOrdersQuery, Storage } from '../../server/src/storage/types.js'
import { sentMessage, sign, signingKey } from './support.js'
import { memoryStore } from '../support/stores.js'

const config = loadConfig({ MAILGUN_WEBHOOK_SIGNING_KEY: signingKey, COOKIE_SECRET: 'revenue-rules-cookie-secret-0123456' })
let storage: PostgresStorage
let shop: Account
let advertiser: Account

/** What the use-cases asked of Agenda, of suppression, and of attribution. */
let queued: { job: string; data: Record<string, unknown> }[]
let suppressed: string[]
let attributed: AttributionScope[]
let revenue: Revenue

/** The store, with attribution's calls recorded (and `over` replacing any of its functions). */
function observed(over: Partial<AttributionRepository> = {}): Storage {
  const attributions = storage.attributions
  return {
    ...storage,
    attributions: {
      ...attributions,
      attribute: async (scope, defaults) => {
        attributed.push(scope)
        expect(defaults).toEqual(defaultRules)
        return attributions.attribute(scope, defaults)
      },
      ...over,
    },
  } as Storage
}

function revenueWith(over: { storage?: Storage; key?: string | null; suppress?: boolean; inline?: number } = {}) {
  return createRevenue({
    config: { ...config, MAILGUN_WEBHOOK_SIGNING_KEY: over.key === null ? undefined : over.key ?? signingKey },
    storage: over.storage ?? observed(), logger: createLogger('silent'),
    runNow: async (job, data) => void queued.push({ job, data }),
    ...(over.suppress === false ? {} : { suppress: async (address: string) => void suppressed.push(address) }),
    ...(over.inline === undefined ? {} : { inlineLimit: over.inline }),
  })
}

beforeAll(async () => {
  storage = await memoryStore()
  shop = await storage.accounts.create({ id: newId('acc'), name: 'Shop', email: 'shop@rules.example', roles: ['publisher'], status: 'active', passwordHash: null })
  advertiser = await storage.accounts.create({ id: newId('acc'), name: 'Advertiser', email: 'adv@rules.example', roles: ['advertiser'], status: 'active', passwordHash: null })
})
afterAll(() => storage?.close())
beforeEach(() => {
  queued = []
  suppressed = []
  attributed = []
  revenue = revenueWith()
})

const now = new Date('2026-12-01T12:00:00Z')
const seconds = (d: Date) => Math.floor(d.getTime() / 1000)

/** A Mailgun webhook body, signed at `signedAt` with a fresh token unless told otherwise. */
function webhook(data: Record<string, unknown>, options: { signedAt?: Date; token?: string; key?: string } = {}) {
  const timestamp = String(seconds(options.signedAt ?? now))
  const token = options.token ?? randomUUID()
  return {
    signature: { timestamp, token, signature: sign(timestamp, token, options.key) },
    'event-data': { id: randomUUID(), timestamp: seconds(now) - 60, ...data },
  }
}
const forMessage = (message: Message, event: string, extra: Record<string, unknown> = {}) =>
  webhook({ event, recipient: message.recipient, 'user-variables': { message: message.id }, ...extra })

async function refusal(body: unknown, r: Revenue = revenue) {
  try {
    await r.receiveMailgun(body, now)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    const e = error as AppError
    return { status: e.status, code: e.code, field: e.field }
  }
  throw new Error('accepted')
}

async function message(recipient = `${randomUUID().slice(0, 8)}@buyer.example`): Promise<Message> {
  return sentMessage(storage, shop.id, recipient, new Date(now.getTime() - 3_600_000), [])
}
const events = async (m: Message) => (await storage.messageEvents.listByMessage(m.id)).map((e) => ({ type: e.type, at: e.at, providerEventId: e.providerEventId }))

describe('receiveMailgun: checks, in order, before anything is stored', () => {
  it('answers 503 without a signing key, before reading the store', async () => {
    let read = false
    const blind = revenueWith({ key: null, storage: { ...storage, webhookTokens: { ...storage.webhookTokens, use: async () => (read = true) } } as unknown as Storage })
    expect(await refusal(forMessage(await message(), 'delivered'), blind)).toEqual({ status: 503, code: 'webhooks_not_configured', field: undefined })
    expect(read).toBe(false)
  })

  it('refuses a missing or wrong signature (406, naming the signature), and the token stays usable', async () => {
    const m = await message()
    expect(await refusal({ 'event-data': {} })).toEqual({ status: 406, code: 'bad_signature', field: 'signature' })
    const token = randomUUID()
    expect(await refusal(webhook({ event: 'delivered', 'user-variables': { message: m.id } }, { token, key: 'another-key' }))).toEqual({ status: 406, code: 'bad_signature', field: 'signature' })
    expect(await revenue.receiveMailgun(webhook({ event: 'delivered', 'user-variables': { message: m.id } }, { token }), now)).toMatchObject({ status: 'recorded' })
  })

  it('takes a signature exactly 15 minutes old or ahead, and refuses one a second older or further ahead', async () => {
    const m = await message()
    const at = (ms: number) => new Date(now.getTime() + ms)
    const body = (signedAt: Date) => webhook({ event: 'opened', 'user-variables': { message: m.id } }, { signedAt })
    expect((await revenue.receiveMailgun(body(at(-15 * 60_000)), now)).status).toBe('recorded')
    expect((await revenue.receiveMailgun(body(at(15 * 60_000)), now)).status).toBe('recorded')
    expect(await refusal(body(at(-15 * 60_000 - 1_000)))).toEqual({ status: 406, code: 'stale_signature', field: 'signature' })
    expect(await refusal(body(at(15 * 60_000 + 1_000)))).toEqual({ status: 406, code: 'stale_signature', field: 'signature' })
  })

  it('refuses a token used before, whatever the event, and an event without an id, a type or a time', async () => {
    const m = await message()
    const token = randomUUID()
    await revenue.receiveMailgun(webhook({ event: 'delivered', 'user-variables': { message: m.id } }, { token }), now)
    expect(await refusal(webhook({ event: 'clicked', 'user-variables': { message: m.id } }, { token }))).toEqual({ status: 406, code: 'replayed_token', field: 'signature' })
    for (const data of [{ id: '' }, { event: '' }, { timestamp: 'never' }, { timestamp: 0 }]) {
      expect(await refusal(webhook({ event: 'delivered', ...data }))).toEqual({ status: 406, code: 'bad_event', field: 'event-data' })
    }
    expect((await events(m)).map((e) => e.type)).toEqual(['delivered'])
  })
})

describe('receiveMailgun: refusals in words', () => {
  it('says what was wrong with each refused webhook', async () => {
    const m = await message()
    const thrown = (body: unknown, r: Revenue = revenue) => r.receiveMailgun(body, now).then(() => '', (e: Error) => e.message)
    expect(await thrown(forMessage(m, 'opened'), revenueWith({ key: null }))).toBe('MAILGUN_WEBHOOK_SIGNING_KEY is not set: webhooks cannot be verified')
    expect(await thrown({})).toBe('the webhook signature does not verify')
    expect(await thrown(webhook({ event: 'opened' }, { signedAt: new Date(now.getTime() - 3_600_000) }))).toBe('the webhook signature is older than 15 minutes')
    const token = randomUUID()
    await revenue.receiveMailgun(webhook({ event: 'stored' }, { token }), now)
    expect(await thrown(webhook({ event: 'opened' }, { token }))).toBe('this webhook token was used before')
    expect(await thrown(webhook({ id: '' }))).toBe('event-data must have an id, an event and a timestamp')
    // Stored with every queued job: jobs queued before an upgrade must still be found after it.
    expect(reattributeJob).toBe('revenue.reattribute')
  })
})

describe('receiveMailgun: what an accepted event does', () => {
  it('records a delivery, open or click for the message named by v:message, and re-attributes its buyer’s orders from then on', async () => {
    const m = await message()
    const body = forMessage(m, 'clicked')
    const outcome = await revenue.receiveMailgun(body, now)
    expect(outcome).toEqual({ status: 'recorded', event: 'clicked', messageId: m.id })
    const at = new Date(seconds(now) * 1000 - 60_000)
    expect(await events(m)).toEqual([{ type: 'clicked', at, providerEventId: `mailgun:${body['event-data'].id}` }])
    expect(attributed).toEqual([{ recipient: m.recipient, since: at }])
    await revenue.receiveMailgun(forMessage(m, 'delivered'), now)
    await revenue.receiveMailgun(forMessage(m, 'opened'), now)
    expect(attributed).toHaveLength(3)
  })

  it('stores a retried delivery once: the same event id is a duplicate, re-attributing nothing', async () => {
    const m = await message()
    const first = forMessage(m, 'opened')
    await revenue.receiveMailgun(first, now)
    attributed = []
    const retried = forMessage(m, 'opened', { id: first['event-data'].id })
    expect(await revenue.receiveMailgun(retried, now)).toEqual({ status: 'duplicate', event: 'opened', messageId: m.id })
    expect(await events(m)).toHaveLength(1)
    expect(attributed).toEqual([])
  })

  it('finds the message by Mailgun’s Message-Id when v:message is missing or unknown', async () => {
    const m = await message()
    const headers = { headers: { 'message-id': m.providerId } }
    expect(await revenue.receiveMailgun(webhook({ event: 'delivered', message: headers }), now)).toMatchObject({ status: 'recorded', messageId: m.id })
    expect(await revenue.receiveMailgun(webhook({ event: 'opened', message: headers, 'user-variables': { message: newId('msg') } }), now)).toMatchObject({ status: 'recorded', messageId: m.id })
    expect(await revenue.receiveMailgun(webhook({ event: 'opened', message: { headers: { 'message-id': '<nobody@mg>' } } }), now)).toEqual({ status: 'ignored', reason: 'unknown_message' })
    expect(await revenue.receiveMailgun(webhook({ event: 'opened' }), now)).toEqual({ status: 'ignored', reason: 'unknown_message' })
  })

  it('ignores events revenue does not track, temporary failures included; records a permanent failure without re-attributing', async () => {
    const m = await message()
    expect(await revenue.receiveMailgun(forMessage(m, 'stored'), now)).toEqual({ status: 'ignored', reason: 'not_tracked:stored' })
    expect(await revenue.receiveMailgun(forMessage(m, 'failed', { severity: 'temporary' }), now)).toEqual({ status: 'ignored', reason: 'not_tracked:failed' })
    expect(await revenue.receiveMailgun(forMessage(m, 'failed', { severity: 'permanent' }), now)).toEqual({ status: 'recorded', event: 'failed', messageId: m.id })
    expect((await events(m)).map((e) => e.type)).toEqual(['failed'])
    expect(attributed).toEqual([])
  })

  it('marks sent, at Mailgun’s time, a message whose interrupted send was marked failed; leaves a sent one as it was', async () => {
    const { message: queuedOne } = await storage.messages.insertIfAbsent({
      id: newId('msg'), accountId: shop.id, orderId: null, channel: 'email', recipient: 'late@buyer.example', subject: 'Offers', tags: [], campaignIds: [], status: 'queued',
    })
    await storage.messages.update(queuedOne.id, ['queued'], { status: 'failed', error: 'interrupted while sending' })
    const body = forMessage({ ...queuedOne, recipient: 'late@buyer.example' }, 'accepted')
    expect(await revenue.receiveMailgun(body, now)).toEqual({ status: 'recorded', event: 'sent', messageId: queuedOne.id })
    const at = new Date(body['event-data'].timestamp * 1000)
    expect(await storage.messages.get(queuedOne.id)).toMatchObject({ status: 'sent', sentAt: at, error: null })
    expect(attributed).toEqual([{ recipient: 'late@buyer.example', since: at }])

    const sent = await message()
    attributed = []
    await revenue.receiveMailgun(forMessage(sent, 'accepted'), now)
    expect((await storage.messages.get(sent.id))!.sentAt).toEqual(sent.sentAt)
    expect(attributed).toEqual([])
  })

  it('suppresses the address of an unsubscribe or a complaint, and ignores them when nothing can suppress', async () => {
    const m = await message('Unsub@Buyer.example')
    expect(await revenue.receiveMailgun(forMessage(m, 'unsubscribed', { recipient: 'Unsub@Buyer.example' }), now)).toEqual({ status: 'recorded', event: 'unsubscribed', messageId: m.id })
    expect(await revenue.receiveMailgun(webhook({ event: 'complained', recipient: 'moan@buyer.example' }), now)).toEqual({ status: 'recorded', event: 'complained', messageId: '' })
    expect(suppressed).toEqual(['unsub@buyer.example', 'moan@buyer.example'])
    expect(await revenue.receiveMailgun(webhook({ event: 'unsubscribed' }), now)).toEqual({ status: 'ignored', reason: 'not_tracked:unsubscribed' })
    const deaf = revenueWith({ suppress: false })
    expect(await deaf.receiveMailgun(forMessage(m, 'complained'), now)).toEqual({ status: 'ignored', reason: 'not_tracked:complained' })
    expect(suppressed).toHaveLength(2)
    expect(await events(m)).toEqual([])
  })
})

describe('settings and re-attribution', () => {
  it('queues the re-attribution job for a change of the rules only, once per change', async () => {
    const account = await storage.accounts.create({ id: newId('acc'), name: 'Settings', email: 'settings@rules.example', roles: ['advertiser'], status: 'active', passwordHash: null })
    const saved = await revenue.updateSettings(account, { channels: { email: { event: 'opened' } } })
    expect(saved.channels.email).toEqual({ event: 'opened', window: 24, unit: 'hours' })
    expect(queued).toEqual([{ job: reattributeJob, data: { accountId: account.id } }])
    await revenue.updateSettings(account, { currency: 'USD', excludedTags: ['newsletter'] })
    await revenue.updateSettings(account, { channels: { email: { event: 'opened' } } })
    expect(queued).toHaveLength(1)
    expect(await revenue.settingsOf(account.id)).toMatchObject({ currency: 'USD', excludedTags: ['newsletter'], stored: true })
  })

  it('attributes a changed order by its id, and a message’s buyer from its send on; nothing for a forgotten address or an unsent message', async () => {
    await revenue.orderChanged({ id: 'ord_x' })
    const m = await message()
    await revenue.messageSent(m)
    expect(await revenue.messageChanged({ recipient: null }, now)).toBe(0)
    await revenue.messageSent({ ...m, sentAt: null })
    expect(attributed).toEqual([{ orderIds: ['ord_x'] }, { recipient: m.recipient, since: m.sentAt }])
  })

  it('re-attributes in pages of 5,000, resuming after each page, and refreshes statistics after 10,000 for a whole account only', async () => {
    const pages = (counts: number[]) => {
      const asked: StaleOrdersQuery[] = []
      const last = (i: number) => (i < counts.length - 1 ? new Date(Date.UTC(2026, 0, i + 1)) : null)
      let refreshed = 0
      const s = observed({
        staleOrders: async (q) => {
          asked.push(q)
          const i = asked.length - 1
          return { orderIds: Array.from({ length: counts[i] ? 1 : 0 }, () => newId('ord')), last: last(i) }
        },
        attribute: async () => counts[asked.length - 1] ?? 0,
        refreshStatistics: async () => void refreshed++,
      })
      return { revenue: revenueWith({ storage: s }), asked, refreshed: () => refreshed }
    }
    const whole = pages([5_000, 5_000, 0])
    expect(await whole.revenue.reattribute(advertiser.id)).toBe(10_000)
    expect(whole.asked).toEqual([
      { accountId: advertiser.id, version: 0, after: null, limit: 5_000 },
      { accountId: advertiser.id, version: 0, after: new Date(Date.UTC(2026, 0, 1)), limit: 5_000 },
      { accountId: advertiser.id, version: 0, after: new Date(Date.UTC(2026, 0, 2)), limit: 5_000 },
    ])
    expect(whole.refreshed()).toBe(1)
    const fewer = pages([5_000, 4_999])
    expect(await fewer.revenue.reattribute(advertiser.id)).toBe(9_999)
    expect(fewer.refreshed()).toBe(0)
    const period = pages([5_000, 5_000])
    const from = new Date('2026-11-01T00:00:00Z')
    expect(await period.revenue.reattribute(advertiser.id, { from })).toBe(10_000)
    expect(period.asked[0]).toEqual({ accountId: advertiser.id, version: 0, from, after: null, limit: 5_000 })
    expect(period.refreshed()).toBe(0)
    const to = pages([5_000, 5_000])
    await to.revenue.reattribute(advertiser.id, { to: from })
    expect(to.refreshed()).toBe(0)
  })

  it('has a report re-attribute up to its inline limit of stale orders itself, and leave more to the job, queued at most every 5 minutes per account', async () => {
    const staleness = { value: 0 }
    let stalePages = 0
    const s = observed({
      summarize: async (q) => ({ ...(await storage.attributions.summarize(q)), stale: staleness.value }),
      staleOrders: async (q) => {
        stalePages++
        return storage.attributions.staleOrders(q)
      },
    })
    const r = revenueWith({ storage: s, inline: 3 })
    const from = new Date('2026-11-01T00:00:00Z')
    const to = new Date('2026-12-01T00:00:00Z')
    staleness.value = 3
    expect((await r.report(advertiser, 'advertiser', from, to)).pending).toBe(3)
    expect(stalePages).toBe(1)
    expect(queued).toEqual([])
    staleness.value = 4
    await r.report(advertiser, 'advertiser', from, to)
    await r.report(advertiser, 'advertiser', from, to)
    expect(stalePages).toBe(1)
    expect(queued).toEqual([{ job: reattributeJob, data: { accountId: advertiser.id } }])
    await r.report(shop, 'shop', from, to)
    expect(queued.map((q) => q.data.accountId)).toEqual([advertiser.id, shop.id])
    staleness.value = 0
    await r.report(shop, 'shop', from, to)
    expect(stalePages).toBe(1)
    expect(inlineLimit).toBe(20_000)
  })
})
