// The guards of the offer email that hold money and trust (README "Monetize", ARCHITECTURE "Monetize: the offer
// email"), each checked by its effect through the real parts: the HTTP API, the real Agenda job definitions run
// by the network's own Agenda (test/support/jobs.ts), mailgun.js against the fake Mailgun, and the real drivers.
// Absences are asserted after a deterministic point: a job recorded as finished, or a response that is only sent
// once the decision is stored — never after a sleep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, newLinkCode } from '../../server/src/ids.js'
import { JobName } from '../../server/src/jobs/definitions.js'
import { maxSendAttempts } from '../../server/src/monetize/index.js'
import { startFakeMailgun, type FakeMailgun } from '../support/fakeMailgun.js'
import { eventually } from '../support/eventually.js'
import { runJob, runJobOk } from '../support/jobs.js'
import { startTestNetwork, testDrivers, type TestNetwork } from '../support/network.js'
import { account, leadCampaign, mailgunEnv } from './support.js'

const hour = 3_600_000
const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0'

describe.each(testDrivers)('offer-email guards on %s', (driver) => {
  let network: TestNetwork
  let mailgun: FakeMailgun
  let shopA: { id: string; key: string }
  let shopB: { id: string; key: string }
  /** The offer every email carries (OFFERS_PER_EMAIL=1, the best lead), and one it never carries. */
  let carried: { advertiserId: string; campaignId: string }
  let notCarried: { advertiserId: string; campaignId: string }
  let seq = 0

  beforeAll(async () => {
    mailgun = await startFakeMailgun()
    network = await startTestNetwork({ ...mailgunEnv(mailgun), OFFERS_PER_EMAIL: '1' }, undefined, { driver })
    shopA = await account(network.storage, 'Shop A', ['publisher'])
    shopB = await account(network.storage, 'Shop B', ['publisher'])
    const x = await account(network.storage, 'Garden World', ['advertiser'])
    carried = { advertiserId: x.id, campaignId: await leadCampaign(network.storage, x.id, 'Garden World', 300) }
    const y = await account(network.storage, 'Tea House', ['advertiser'])
    notCarried = { advertiserId: y.id, campaignId: await leadCampaign(network.storage, y.id, 'Tea House', 100) }
  })
  afterAll(async () => {
    await network?.destroy()
    await mailgun?.close()
  })

  const buyer = (label: string) => `${label}-${driver}-${++seq}@buyer.example`
  const notify = (shop: { key: string }, body: Record<string, unknown>) =>
    fetch(`${network.url}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${shop.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const orderBody = (email: string, patch: Record<string, unknown> = {}) =>
    ({ orderId: `G-${driver}-${++seq}`, email, name: 'Bob Buyer', amount: '59.90', currency: 'EUR', ...patch })
  const sentTo = (address: string) => mailgun.requests.filter((r) => r.fields.to?.[0] === address.toLowerCase())
  /** Notifies an order and waits until its offer email is recorded as sent; returns the message and the email. */
  async function emailed(shop: { key: string }, email: string) {
    const res = await notify(shop, orderBody(email))
    expect(res.status).toBe(202)
    const { order } = await res.json()
    expect(order.message).toMatchObject({ status: 'queued' })
    const message = await eventually('the offer email sent', async () => { const m = await network.storage.messages.get(order.message.id); return m?.status === 'sent' && m })
    const [received] = sentTo(email)
    expect(received).toBeDefined()
    return { message, received: received! }
  }
  /** An order of `shop` stored now with its message, queued but not handed to Agenda (the job is run by the test). */
  async function queuedMessage(shopId: string, email: string) {
    const { order } = await network.storage.orders.upsert({
      id: newId('ord'), accountId: shopId, externalId: `Q-${driver}-${++seq}`, customerId: null, email, name: 'Bob', total: 5990, currency: 'EUR',
      status: 'initialized', items: [], orderedAt: new Date(),
    })
    const { message } = await network.storage.messages.insertIfAbsent({
      id: newId('msg'), accountId: shopId, orderId: order.id, channel: 'email', recipient: email, subject: '', tags: ['offer-email'], campaignIds: [], status: 'queued',
    })
    return message
  }

  it('sends no offer email for an order older than a day, and sends one for an order just within it', async () => {
    const stale = buyer('stale')
    const staleRes = await notify(shopA, orderBody(stale, { orderedAt: new Date(Date.now() - 24 * hour - 5 * 60_000).toISOString() }))
    expect(staleRes.status).toBe(202)
    const staleBody = await staleRes.json()
    expect(staleBody.order).toMatchObject({ created: true, message: null })
    // The order is stored (revenue needs it); no message exists for it, so no send job can ever be queued.
    const staleOrder = (await network.storage.orders.getByExternalId(shopA.id, staleBody.order.orderId))!
    expect(staleOrder.email).toBe(stale)
    expect((await network.storage.messages.listByAccount(shopA.id, 1000)).filter((m) => m.orderId === staleOrder.id)).toEqual([])

    const fresh = buyer('fresh')
    const freshRes = await notify(shopA, orderBody(fresh, { orderedAt: new Date(Date.now() - 24 * hour + 5 * 60_000).toISOString() }))
    const freshBody = await freshRes.json()
    expect(freshBody.order.message).toMatchObject({ status: 'queued' })
    await eventually('the offer email sent', async () => (await network.storage.messages.get(freshBody.order.message.id))?.status === 'sent')
    expect(sentTo(fresh)).toHaveLength(1)
    expect(sentTo(stale)).toHaveLength(0)
  })

  it('credits an email lead only to the shop whose message it was, and only for an offer the message carried', async () => {
    const address = buyer('lead')
    const { message, received } = await emailed(shopA, address)
    expect(message.campaignIds).toEqual([carried.campaignId])
    const offerLink = new URL(/http:\/\/127\.0\.0\.1:\d+\/c\/\w+\?sub1=msg_\w+&sub2=email/.exec(received.get('text')!)![0])
    expect(offerLink.searchParams.get('sub1')).toBe(message.id)

    const link = async (publisherId: string, c: { advertiserId: string; campaignId: string }, landing: string) => {
      const code = newLinkCode()
      await network.storage.links.create({ id: newId('lnk'), code, campaignId: c.campaignId, advertiserId: c.advertiserId, publisherId, landingUrl: landing, status: 'active' })
      return code
    }
    /** The redirect is sent once the click and its lead decision are stored (the click recorder awaits it). */
    const click = async (code: string) => {
      const res = await fetch(`${network.url}/c/${code}?sub1=${message.id}&sub2=email`, { redirect: 'manual', headers: { 'user-agent': browser } })
      expect(res.status).toBe(302)
    }
    const leads = async (advertiserId: string) => (await network.storage.conversions.list({ advertiserId, limit: 1000 })).filter((c) => c.type === 'lead')

    // Shop B copies shop A's message id onto its own link for the same campaign: no lead, for anyone.
    await click(await link(shopB.id, carried, 'https://gardenworld.example/welcome'))
    expect(await leads(carried.advertiserId)).toEqual([])
    // Shop A's own link for a campaign its message did not carry: no lead either.
    await click(await link(shopA.id, notCarried, 'https://teahouse.example/welcome'))
    expect(await leads(notCarried.advertiserId)).toEqual([])
    // The buyer's click on the offer of shop A's email: the lead is shop A's (and was not taken by the forgery).
    const res = await fetch(offerLink, { redirect: 'manual', headers: { 'user-agent': browser } })
    expect(res.status).toBe(302)
    const credited = await leads(carried.advertiserId)
    expect(credited).toHaveLength(1)
    expect(credited[0]).toMatchObject({ publisherId: shopA.id, campaignId: carried.campaignId, source: 'email', commission: 300, status: 'pending' })
    expect(await leads(notCarried.advertiserId)).toEqual([])
  })

  it('never sends an interrupted send again: the retried job skips it and expiry marks it failed', async () => {
    const address = buyer('interrupted')
    const interrupted = await queuedMessage(shopA.id, address)
    // A sender claimed it and died (perhaps after Mailgun accepted the email): its lease ran out.
    expect(await network.storage.messages.claim(interrupted.id, new Date(Date.now() - 1000))).toMatchObject({ status: 'sending', attempts: 1 })
    // Agenda runs the dead sender's job again (its lock expired): nothing is sent.
    await runJobOk(network.storage, JobName.sendOfferEmail, { messageId: interrupted.id })
    expect(sentTo(address)).toHaveLength(0)
    // The expiry job runs, then a send job (a retry, a duplicate job): still no email, the message is failed, not queued.
    await runJobOk(network.storage, JobName.expireInterruptedSends)
    await runJobOk(network.storage, JobName.sendOfferEmail, { messageId: interrupted.id })
    expect(sentTo(address)).toHaveLength(0)
    expect(await network.storage.messages.get(interrupted.id)).toMatchObject({ status: 'failed', attempts: 1, leaseUntil: null, error: expect.stringMatching(/interrupted/) })
    // The same job does send a message that is queued: the absences above are the guard's, not a broken job's.
    const control = buyer('control')
    const queued = await queuedMessage(shopA.id, control)
    await runJobOk(network.storage, JobName.sendOfferEmail, { messageId: queued.id })
    expect(sentTo(control)).toHaveLength(1)
    expect(await network.storage.messages.get(queued.id)).toMatchObject({ status: 'sent', attempts: 1 })
  })

  it('stops offer emails to an unsubscribed address from every shop, new orders and queued messages alike', async () => {
    const address = buyer('leave')
    // Shop B has a message for this buyer waiting in the queue when the buyer unsubscribes from shop A's email.
    const waiting = await queuedMessage(shopB.id, address)
    const { received } = await emailed(shopA, address)
    const unsubscribe = /<([^>]+)>/.exec(received.get('h:List-Unsubscribe')!)![1]!
    const res = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })
    expect(res.status).toBe(200)

    // A new order at shop B (the address written differently): suppressed at once, so no job is queued.
    const again = await (await notify(shopB, orderBody(address.toUpperCase()))).json()
    expect(again.order.message).toMatchObject({ status: 'suppressed' })
    // A new order at shop A too.
    expect((await (await notify(shopA, orderBody(address))).json()).order.message).toMatchObject({ status: 'suppressed' })
    // Shop B's queued message: its send job checks again and does not send.
    await runJobOk(network.storage, JobName.sendOfferEmail, { messageId: waiting.id })
    expect(await network.storage.messages.get(waiting.id)).toMatchObject({ status: 'suppressed' })
    expect(sentTo(address)).toHaveLength(1)
  })

  // Last: it leaves the fake Mailgun answering 500 to whatever remains of its script.
  it(`gives a message up after ${maxSendAttempts} send attempts, however often its job runs`, async () => {
    expect(maxSendAttempts).toBe(6)
    const address = buyer('flaky')
    mailgun.failNext(...Array.from({ length: 30 }, () => 500))
    const message = await queuedMessage(shopA.id, address)
    // Each run is a retry as Agenda makes them (its own back-off retries run too, and count the same).
    for (let run = 0; run < 60; run++) {
      const m = await network.storage.messages.get(message.id)
      if (m?.status === 'failed') break
      await runJob(network.storage, JobName.sendOfferEmail, { messageId: message.id })
    }
    expect(await network.storage.messages.get(message.id)).toMatchObject({ status: 'failed', attempts: 6, error: expect.stringMatching(/500/) })
    expect(sentTo(address)).toHaveLength(6)
    // One more run after it was given up: no seventh request.
    await runJobOk(network.storage, JobName.sendOfferEmail, { messageId: message.id })
    expect(sentTo(address)).toHaveLength(6)
    expect(mailgun.messages.filter((m) => m.fields.to?.[0] === address)).toHaveLength(0)
  })
})
