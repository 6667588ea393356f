// The whole path through real parts: a shop's order → the offer email through mailgun.js (a local Mailgun) →
// Mailgun's signed webhooks → the buyer's click on the offer (a lead for the shop) → the advertiser's order →
// both reports and the CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeMailgun, type FakeMailgun } from '../support/fakeMailgun.js'
import type { TestNetwork } from '../support/network.js'
import { account, campaign, postWebhook, startRevenueNetwork, webhookBody, type TestAccount } from './support.js'

let network: TestNetwork
let mailgun: FakeMailgun
let shop: TestAccount
let advertiser: TestAccount
let campaignId: string

beforeAll(async () => {
  mailgun = await startFakeMailgun()
  network = await startRevenueNetwork({ MAILGUN_API_KEY: 'key-test', MAILGUN_DOMAIN: 'mg.network.example', MAILGUN_URL: mailgun.url })
  shop = await account(network, 'Corner Shop', ['publisher'])
  advertiser = await account(network, 'Garden World', ['advertiser'])
  campaignId = await campaign(network.storage, advertiser.id, 'Garden World spring')
})
afterAll(async () => {
  await network.destroy()
  await mailgun.close()
})

async function until<T>(probe: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('revenue from an offer email, end to end', () => {
  it('credits the advertiser’s purchase to the shop’s email the buyer clicked, in both reports and the CSV', async () => {
    const bob = 'bob.buyer@mail.example'
    const notified = await shop.call('POST', '/orders', { orderId: 'SHOP-1', email: bob, amount: '35.00', currency: 'EUR' })
    expect(notified.status).toBe(202)
    const [sent] = await mailgun.waitFor(1)
    const messageId = sent!.get('v:message')!
    const message = await until(async () => { const m = await network.storage.messages.get(messageId); return m?.status === 'sent' && m })
    expect(message.campaignIds).toEqual([campaignId])

    // Mailgun reports the email's life; the buyer clicks the offer (a lead for the shop).
    for (const [event, ms] of [['accepted', 0], ['delivered', 5], ['opened', 10], ['clicked', 15]] as const) {
      const res = await postWebhook(network, webhookBody({ event, at: new Date(message.sentAt!.getTime() + ms), message }))
      expect(res.body.status).toBe('recorded')
    }
    const offerLink = /http:\/\/[^\s]+\/c\/\w+\?sub1=msg_\w+&sub2=email/.exec(sent!.get('text')!)![0]
    expect((await fetch(offerLink, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/130.0' } })).status).toBe(302)
    await until(async () => (await network.storage.conversions.list({ publisherId: shop.id })).length > 0)

    // The advertiser reports the purchase the buyer just made on its site.
    await new Promise((r) => setTimeout(r, 20))
    const bought = await advertiser.call('POST', '/orders', {
      orderId: 'GW-1001', email: 'Bob.Buyer@mail.example', customerId: 'gw-77', amount: '120.00', currency: 'EUR', status: 'delivered',
      items: [{ sku: 'rake', name: 'Rake', quantity: 2, price: '60.00' }],
    })
    expect(bought.status).toBe(202)

    const mine = (await advertiser.call('GET', '/revenue/report')).body.report
    expect(mine.totals).toMatchObject({ campaigns: 1, purchases: 1, revenue: { amount: 12000, currency: 'EUR' } })
    expect(mine.campaigns[0]).toMatchObject({ campaignId, name: 'Garden World spring', formula: 'A sale is a purchase within 24 hours after a click on the email.' })

    const theirs = (await shop.call('GET', '/revenue/report')).body.report
    expect(theirs).toMatchObject({ view: 'shop', totals: { purchases: 1, revenue: { amount: 12000 }, earned: { amount: 100, currency: 'EUR' } } })
    expect(theirs.campaigns[0]).toMatchObject({ advertiserName: 'Garden World', earned: { amount: 100 } })

    const csv = await (await fetch(`${network.url}/api/v1/revenue/report.csv`, { headers: { authorization: `Bearer ${shop.key}` } })).text()
    expect(csv.split('\r\n')[0]).toBe('Campaign,Campaign ID,Advertiser,Purchases,Average check (EUR),Revenue (EUR),Earned (EUR),Excluded purchases,Excluded revenue (EUR),Sale formula')
    expect(csv).toContain(`Garden World spring,${campaignId},Garden World,1,120.00,120.00,1.00,0,0.00,A sale is a purchase within 24 hours after a click on the email.`)

    // The advertiser refunds it: gone from both reports at once.
    await advertiser.call('POST', '/events', { type: 'order_status', customer: bob, parameters: { orderId: 'GW-1001', status: 'refunded' } })
    expect((await advertiser.call('GET', '/revenue/report')).body.report.totals.purchases).toBe(0)
    expect((await shop.call('GET', '/revenue/report')).body.report.totals).toMatchObject({ purchases: 0, earned: { amount: 100 } })
  })
})
