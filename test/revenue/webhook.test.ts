// POST /webhooks/mailgun: only signed, fresh, never-replayed requests change anything; retried deliveries of
// one event count once; events reach their message by the v:message variable or by Mailgun's message id;
// and an event that arrives late still gives the purchases after it to its message.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRevenue } from '../../server/src/revenue/index.js'
import type { Storage } from '../../server/src/storage/types.js'
import type { TestNetwork } from '../support/network.js'
import { account, campaign, hoursAgo, postWebhook, sentMessage, sign, startRevenueNetwork, webhookBody, type TestAccount } from './support.js'

let network: TestNetwork
let shop: TestAccount
let advertiser: TestAccount
let campaignId: string
let n = 0
const buyer = () => `buyer${++n}-${randomUUID().slice(0, 6)}@mail.example`

beforeAll(async () => {
  network = await startRevenueNetwork()
  shop = await account(network, 'Corner Shop', ['publisher'])
  advertiser = await account(network, 'Garden World', ['advertiser'])
  campaignId = await campaign(network.storage, advertiser.id, 'Garden World spring')
})
afterAll(async () => {
  await network.destroy()
})

const events = (messageId: string) => network.storage.messageEvents.listByMessage(messageId)

describe('Mailgun unsubscribes and complaints', () => {
  it('stop every further offer email to that address', async () => {
    const address = buyer()
    const message = await sentMessage(network.storage, shop.id, address, hoursAgo(2), [campaignId])
    const hash = network.services.monetize.addressHash(address)
    expect(await network.storage.suppressions.has(hash)).toBe(false)
    expect((await postWebhook(network, webhookBody({ event: 'complained', at: hoursAgo(1), message }))).status).toBe(200)
    expect(await network.storage.suppressions.has(hash)).toBe(true)
    // A forged one changes nothing.
    const other = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const forged = webhookBody({ event: 'unsubscribed', at: hoursAgo(1), message: other })
    forged.signature.signature = sign(forged.signature.timestamp, forged.signature.token, 'not-the-key')
    expect((await postWebhook(network, forged)).status).toBe(406)
    expect(await network.storage.suppressions.has(network.services.monetize.addressHash(other.recipient!))).toBe(false)
  })
})

describe('Mailgun webhook signature, freshness and replay protection', () => {
  it('records a correctly signed event for the message named by v:message', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const openedAt = hoursAgo(1)
    const res = await postWebhook(network, webhookBody({ event: 'opened', at: openedAt, message }))
    expect(res).toEqual({ status: 200, body: { status: 'recorded', event: 'opened', messageId: message.id } })
    expect(await events(message.id)).toMatchObject([{ type: 'opened', at: openedAt, providerEventId: expect.stringMatching(/^mailgun:/) }])
  })

  it('answers 406 to a bad signature and changes nothing — the token stays usable by the real request', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const body = webhookBody({ event: 'clicked', at: hoursAgo(1), message })
    const forged = { ...body, signature: { ...body.signature, signature: sign(body.signature.timestamp, body.signature.token, 'another-key') } }
    expect(await postWebhook(network, forged)).toMatchObject({ status: 406, body: { error: { code: 'bad_signature', field: 'signature' } } })
    const tampered = { ...body, 'event-data': { ...body['event-data'], event: 'delivered' }, signature: { ...body.signature, timestamp: String(Number(body.signature.timestamp) + 1) } }
    expect((await postWebhook(network, tampered)).status).toBe(406)
    expect(await events(message.id)).toEqual([])
    expect((await postWebhook(network, body)).status).toBe(200)
    expect(await events(message.id)).toHaveLength(1)
  })

  it('answers 406 to requests without a signature, or that are not JSON', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const { signature: _none, ...unsigned } = webhookBody({ event: 'opened', at: hoursAgo(1), message })
    expect(await postWebhook(network, unsigned)).toMatchObject({ status: 406, body: { error: { code: 'bad_signature' } } })
    const form = await fetch(`${network.url}/webhooks/mailgun`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'event=opened' })
    expect(form.status).toBe(406)
    expect(await events(message.id)).toEqual([])
  })

  it('refuses a signature more than 15 minutes old or ahead, even when it verifies', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const old = String(Math.floor(Date.now() / 1000) - 16 * 60)
    const ahead = String(Math.floor(Date.now() / 1000) + 16 * 60)
    for (const timestamp of [old, ahead]) {
      expect(await postWebhook(network, webhookBody({ event: 'opened', at: hoursAgo(1), message }, { timestamp })))
        .toMatchObject({ status: 406, body: { error: { code: 'stale_signature' } } })
    }
    const recent = String(Math.floor(Date.now() / 1000) - 10 * 60)
    expect((await postWebhook(network, webhookBody({ event: 'opened', at: hoursAgo(1), message }, { timestamp: recent }))).status).toBe(200)
    expect(await events(message.id)).toHaveLength(1)
  })

  it('refuses a reused token: a captured request replayed with another event is not stored', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const first = webhookBody({ event: 'delivered', at: hoursAgo(1.5), message })
    expect((await postWebhook(network, first)).status).toBe(200)
    const replay = { ...webhookBody({ event: 'clicked', at: hoursAgo(1), message }), signature: first.signature }
    expect(await postWebhook(network, replay)).toMatchObject({ status: 406, body: { error: { code: 'replayed_token' } } })
    expect((await events(message.id)).map((e) => e.type)).toEqual(['delivered'])
  })

  it('stores a retried delivery of one event once (same event id, new signature)', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const eventId = randomUUID()
    const deliveries = await Promise.all([1, 2, 3].map(() => postWebhook(network, webhookBody({ event: 'clicked', at: hoursAgo(1), message, id: eventId }))))
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200])
    expect(deliveries.map((d) => d.body.status).sort()).toEqual(['duplicate', 'duplicate', 'recorded'])
    expect(await events(message.id)).toHaveLength(1)
  })

  it('refuses with 503 when no signing key is configured, before touching the store', async () => {
    // A store that throws on any use: nothing may be read or written without a key to verify with.
    const untouchable = new Proxy({}, { get: () => { throw new Error('the store was used') } }) as Storage
    const revenue = createRevenue({ config: { ...network.services.config, MAILGUN_WEBHOOK_SIGNING_KEY: undefined }, storage: untouchable, logger: network.services.logger, runNow: async () => {} })
    await expect(revenue.receiveMailgun(webhookBody({ event: 'opened', at: new Date() }))).rejects.toMatchObject({ status: 503, code: 'webhooks_not_configured' })
  })
})

describe('Mailgun events → message events', () => {
  it('finds the message by Mailgun’s message id when the event has no v:message variable', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    const res = await postWebhook(network, webhookBody({ event: 'delivered', at: hoursAgo(1.9), message, withoutVariable: true }))
    expect(res.body).toEqual({ status: 'recorded', event: 'delivered', messageId: message.id })
  })

  it('maps accepted to sent and a permanent failure to failed; ignores temporary failures, other events and unknown messages', async () => {
    const message = await sentMessage(network.storage, shop.id, buyer(), hoursAgo(2), [campaignId])
    expect((await postWebhook(network, webhookBody({ event: 'accepted', at: hoursAgo(2), message }))).body).toMatchObject({ status: 'recorded', event: 'sent' })
    expect((await postWebhook(network, webhookBody({ event: 'failed', severity: 'temporary', at: hoursAgo(1.9), message }))).body)
      .toEqual({ status: 'ignored', reason: 'not_tracked:failed' })
    expect((await postWebhook(network, webhookBody({ event: 'failed', severity: 'permanent', at: hoursAgo(1.8), message }))).body).toMatchObject({ event: 'failed' })
    expect((await postWebhook(network, webhookBody({ event: 'complained', at: hoursAgo(1.7), message }))).body).toEqual({ status: 'recorded', event: 'complained', messageId: message.id })
    expect((await postWebhook(network, webhookBody({ event: 'opened', at: hoursAgo(1) }))).body).toEqual({ status: 'ignored', reason: 'unknown_message' })
    expect((await events(message.id)).map((e) => e.type)).toEqual(['sent', 'failed'])
  })

  it('marks sent (with Mailgun’s time) a message whose interrupted send was marked failed, when Mailgun accepted it', async () => {
    const { message } = await network.storage.messages.insertIfAbsent({
      id: `msg_${randomUUID().slice(0, 12)}`, accountId: shop.id, orderId: `ord_${randomUUID().slice(0, 12)}`, channel: 'email', recipient: buyer(),
      subject: 'Offers', tags: ['offer-email'], campaignIds: [campaignId], status: 'queued',
    })
    await network.storage.messages.update(message.id, ['queued'], { status: 'failed', error: 'interrupted while sending' })
    const acceptedAt = hoursAgo(0.5)
    await postWebhook(network, webhookBody({ event: 'accepted', at: acceptedAt, message }))
    expect(await network.storage.messages.get(message.id)).toMatchObject({ status: 'sent', error: null, sentAt: acceptedAt })
  })
})

describe('events arriving late', () => {
  it('gives a purchase stored before the click event arrived to the clicked message', async () => {
    const email = buyer()
    const message = await sentMessage(network.storage, shop.id, email, hoursAgo(10), [campaignId])
    const ordered = await advertiser.call('POST', '/orders', { orderId: `L-${n}`, email, amount: '80.00', currency: 'EUR', status: 'delivered', orderedAt: hoursAgo(3).toISOString() })
    expect(ordered.status).toBe(202)
    const before = await advertiser.call('GET', '/revenue/report')
    expect(before.body.report.totals).toMatchObject({ purchases: 0 })
    // The click happened 5 hours ago; Mailgun tells us only now.
    expect((await postWebhook(network, webhookBody({ event: 'clicked', at: hoursAgo(5), message }))).body.status).toBe('recorded')
    const after = await advertiser.call('GET', '/revenue/report')
    expect(after.body.report.totals).toMatchObject({ campaigns: 1, purchases: 1, revenue: { amount: 8000, currency: 'EUR' } })
    expect(after.body.report.campaigns[0]).toMatchObject({ campaignId, formula: 'A sale is a purchase within 24 hours after a click on the email.' })
    // A click reported late but after the purchase does not take it.
    const later = await sentMessage(network.storage, shop.id, email, hoursAgo(4), [campaignId])
    await postWebhook(network, webhookBody({ event: 'clicked', at: hoursAgo(1), message: later }))
    expect((await network.storage.attributions.get(ordered.body.order.id))?.messageId).toBe(message.id)
  })
})
