import { describe, expect, it } from 'vitest'
import { NETWORK, openPage, settle, type Transports } from './page.js'

// How a conversion leaves the page: sendBeacon, else fetch keepalive, else the image pixel (GET).

const BODY = 'orderId=A-1&amount=19.95&currency=USD&t=TC-1'

const convert = async (transports: Transports) => {
  const page = await openPage({ url: 'https://shop.example.com/thank-you', data: { code: 'TC-1' }, transports })
  page.run("nw('conversion', { orderId: 'A-1', amount: '19.95', currency: 'USD' })")
  await settle()
  expect(page.errors).toEqual([])
  return page.hits
}

describe('transport fallback', () => {
  it('uses sendBeacon when it accepts the hit, and nothing else', async () => {
    const hits = await convert({ beacon: 'accept', fetch: 'resolve' })
    expect(hits).toEqual([expect.objectContaining({ via: 'beacon', url: `${NETWORK}/px`, body: BODY })])
  })

  it('falls back to fetch keepalive, a no-cors POST with credentials, when sendBeacon refuses', async () => {
    const hits = await convert({ beacon: 'refuse', fetch: 'resolve' })
    expect(hits).toHaveLength(1)
    expect(hits[0]).toMatchObject({ via: 'fetch', url: `${NETWORK}/px`, body: BODY })
    expect(hits[0]?.init).toMatchObject({ method: 'POST', keepalive: true, mode: 'no-cors', credentials: 'include' })
  })

  it('falls back to fetch when sendBeacon is missing', async () => {
    const hits = await convert({ fetch: 'resolve' })
    expect(hits.map((hit) => hit.via)).toEqual(['fetch'])
  })

  it('falls back to the image pixel, a GET with the same fields, when fetch is missing', async () => {
    const hits = await convert({ beacon: 'refuse' })
    expect(hits).toEqual([expect.objectContaining({ via: 'image', url: `${NETWORK}/px`, body: BODY })])
  })

  it('falls back to the image pixel when fetch throws', async () => {
    const hits = await convert({ beacon: 'refuse', fetch: 'throw' })
    expect(hits.map((hit) => hit.via)).toEqual(['image'])
  })

  it('falls back to the image pixel when fetch fails on the network, without an unhandled rejection', async () => {
    const hits = await convert({ beacon: 'refuse', fetch: 'reject' })
    expect(hits.map((hit) => hit.via)).toEqual(['image'])
  })

  // sendBeacon throwing (a page or an extension replaced it, a browser that refuses the URL) lands in the same
  // catch as a throwing fetch: the image pixel, at once — fetch is not tried, and the hit is sent exactly once.
  it('falls back to the image pixel, without trying fetch, when sendBeacon throws and fetch works', async () => {
    const hits = await convert({ beacon: 'throw', fetch: 'resolve' })
    expect(hits).toEqual([expect.objectContaining({ via: 'image', url: `${NETWORK}/px`, body: BODY })])
  })

  it('falls back to the image pixel when sendBeacon and fetch both throw', async () => {
    const hits = await convert({ beacon: 'throw', fetch: 'throw' })
    expect(hits).toEqual([expect.objectContaining({ via: 'image', url: `${NETWORK}/px`, body: BODY })])
  })

  it('falls back to the image pixel when sendBeacon throws and fetch fails on the network', async () => {
    const hits = await convert({ beacon: 'throw', fetch: 'reject' })
    expect(hits).toEqual([expect.objectContaining({ via: 'image', url: `${NETWORK}/px`, body: BODY })])
  })
})
