import { describe, expect, it } from 'vitest'
import { CLICK_ID, NETWORK, newCookieJar, openPage, type PageOptions } from './page.js'

// F3 method 1: `nw('conversion', {...})` through the command queue, as sent by the built tracker.

const SHOP = 'https://shop.example.com'

/** A thank-you page reached after landing with CLICK_ID; hits go out by sendBeacon. */
const thankYouPage = async (options: Partial<PageOptions> = {}) => {
  const cookieJar = newCookieJar()
  await openPage({ url: `${SHOP}/?nclid=${CLICK_ID}`, cookieJar })
  return openPage({
    url: `${SHOP}/thank-you`,
    data: { code: 'TC-1', debug: '' },
    transports: { beacon: 'accept' },
    cookieJar,
    ...options,
  })
}

describe('the conversion call', () => {
  it('sends the page’s fields as given, the tracking code and the stored click ids (latest and first), to ENDPOINT/px', async () => {
    const page = await thankYouPage()
    page.run("nw('conversion', { orderId: 'A-1001', amount: '19.90', currency: 'EUR' })")
    expect(page.hits).toHaveLength(1)
    expect(page.hits[0]).toMatchObject({
      via: 'beacon',
      url: `${NETWORK}/px`,
      body: `orderId=A-1001&amount=19.90&currency=EUR&t=TC-1&nclid=${CLICK_ID}&nclid1=${CLICK_ID}`,
    })
  })

  it('sends the amount exactly as given: decimal strings keep their digits, numbers are String(number)', async () => {
    const page = await thankYouPage()
    const amounts = ['19.90', '0.1', '1234567890123456789.01', '100', 19.95, 0.1 + 0.2, 1e21]
    amounts.forEach((amount, index) => page.window.nw!('conversion', { orderId: index, amount }))
    expect(page.hits.map((hit) => hit.fields.amount)).toEqual(amounts.map(String))
    expect(page.hits.map((hit) => hit.fields.amount)).toContain('0.30000000000000004')
  })

  it('takes the type (lead) and a tracking code other than data-code from the call', async () => {
    const page = await thankYouPage()
    page.run("nw('conversion', { orderId: 'L-7', type: 'lead', code: 'TC-LEADS' })")
    expect(page.hits[0]?.fields).toEqual({ orderId: 'L-7', type: 'lead', code: 'TC-LEADS', t: 'TC-LEADS', nclid: CLICK_ID, nclid1: CLICK_ID })
  })

  it('omits nclid when no click id is stored, and leaves out fields the page did not give', async () => {
    const page = await openPage({ url: `${SHOP}/thank-you`, data: { code: 'TC-1' }, transports: { beacon: 'accept' } })
    page.run("nw('conversion', { orderId: 9, amount: 5 })")
    expect(page.hits[0]?.body).toBe('orderId=9&amount=5&t=TC-1')
  })

  it('posts a body the browser sends as application/x-www-form-urlencoded (a simple request, no preflight)', async () => {
    const page = await thankYouPage()
    let body: unknown
    page.window.navigator.sendBeacon = (_url: string | URL, data?: BodyInit | null) => ((body = data), true)
    page.run("nw('conversion', { orderId: 1, amount: '1.00' })")
    expect(body).toBeInstanceOf(page.window.URLSearchParams)
  })
})

describe('the order call (monetizing shops)', () => {
  it('sends the order with the buyer, as type order, beside a sale of the same order id', async () => {
    const page = await thankYouPage()
    page.run("nw('conversion', { orderId: 'O-1', amount: '59.90', currency: 'EUR' })")
    page.run("nw('order', { orderId: 'O-1', amount: '59.90', currency: 'EUR', email: 'bob@mail.example', name: 'Bob Buyer' })")
    page.run("nw('order', { orderId: 'O-1', amount: '59.90', currency: 'EUR', email: 'bob@mail.example' })")
    expect(page.hits.map((hit) => hit.fields)).toEqual([
      { orderId: 'O-1', amount: '59.90', currency: 'EUR', t: 'TC-1', nclid: CLICK_ID, nclid1: CLICK_ID },
      { orderId: 'O-1', amount: '59.90', currency: 'EUR', email: 'bob@mail.example', name: 'Bob Buyer', type: 'order', t: 'TC-1', nclid: CLICK_ID, nclid1: CLICK_ID },
      // The repeat goes out too: the network keeps one order per order id.
      { orderId: 'O-1', amount: '59.90', currency: 'EUR', email: 'bob@mail.example', type: 'order', t: 'TC-1', nclid: CLICK_ID, nclid1: CLICK_ID },
    ])
  })
})

describe('the command queue', () => {
  it('replays calls made before the script loaded, in order', async () => {
    const page = await thankYouPage({
      before: "nw('conversion', { orderId: 'Q-1', amount: '1' }); nw('conversion', { orderId: 'Q-2', amount: '2' })",
    })
    expect(page.hits.map((hit) => hit.fields.orderId)).toEqual(['Q-1', 'Q-2'])
  })

  it('replaces the stub, so calls after load are sent at once, not queued', async () => {
    const page = await thankYouPage()
    expect(page.window.nw!.q).toBeUndefined()
    page.run("nw('conversion', { orderId: 'D-1', amount: '3.50' })")
    expect(page.hits.map((hit) => hit.fields.orderId)).toEqual(['D-1'])
  })

  it('works without the stub (script tag only, calls after load)', async () => {
    const page = await thankYouPage({ stub: false })
    page.run("nw('conversion', { orderId: 'S-1', amount: '1' })")
    expect(page.hits).toHaveLength(1)
  })

  it('skips an unknown command, says why under data-debug, and keeps going', async () => {
    const page = await thankYouPage({
      before: "nw('purchase', { orderId: 'X' }); nw('conversion', { orderId: 'Q-3', amount: '1' })",
    })
    expect(page.hits.map((hit) => hit.fields.orderId)).toEqual(['Q-3'])
    expect(page.debug).toHaveLength(1)
    expect(page.debug[0]).toMatch(/^nw TypeError/)
    expect(page.errors).toEqual([])
  })
})

describe('a reloaded thank-you page', () => {
  // The network keeps one conversion per (advertiser, order id) and answers a repeat `duplicate_order` (or
  // upgrades it with evidence the first hit lacked: test/tracking/upgrade.test.ts): the browser remembers nothing.
  it('reports the same order again, with the same order id, and touches no storage', async () => {
    const page = await thankYouPage()
    page.run("nw('conversion', { orderId: 'A-1', amount: '1' }); nw('conversion', { orderId: 'A-1', amount: '1' })")
    expect(page.hits.map((hit) => hit.fields.id ?? hit.fields.orderId)).toEqual(['A-1', 'A-1'])
    expect(page.window.sessionStorage.length).toBe(0)
    expect(page.debug).toEqual([])
  })
})
