// The demo sites without a browser: the tracker tag on every page (opting into automation only when asked),
// the conversion on the thank-you page, the seed-002 form, the blog's tracked links, and the order
// notification a monetizing shop sends at confirmation without making the buyer wait.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoShop, type DemoShop } from '../../demo-shop/server.mjs'

const tag = (network: string, code: string) => `<script async src="${network}/t.js" data-code="${code}"></script>`
const stub = '<script>window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}</script>'

interface Notification {
  authorization: string | undefined
  body: Record<string, unknown>
}

/** A stand-in network that records order notifications and answers them slowly. */
/** A stand-in network that records order notifications and answers none of them until it is closed. */
async function silentNetwork() {
  const received: Notification[] = []
  const server: Server = createServer(async (req: IncomingMessage) => {
    let body = ''
    for await (const chunk of req) body += chunk
    if (req.method === 'POST' && req.url === '/api/v1/orders') received.push({ authorization: req.headers.authorization, body: JSON.parse(body) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

const get = async (url: string, cookie?: string) => {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
  return { status: res.status, location: res.headers.get('location'), setCookie: res.headers.getSetCookie(), text: await res.text() }
}

const checkout = (shop: string, fields: Record<string, string>) =>
  fetch(`${shop}/checkout`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'ds_cart=DS-MUG:2,DS-NOTE:1' },
    body: new URLSearchParams(fields),
  })

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')

describe('the demo sites', () => {
  const networkUrl = 'http://network.example'
  let sites: DemoShop

  beforeAll(async () => {
    sites = await startDemoShop({ port: 0, gardenPort: 0, blogPort: 0, host: '127.0.0.1', networkUrl })
  })
  afterAll(async () => {
    await sites?.stop()
  })

  it('carry the pasted tracker on every page, without opting into automation', async () => {
    const cart = 'ds_cart=DS-MUG:1'
    const pages = [
      await get(`${sites.url}/`), await get(`${sites.url}/products/fjord-mug`), await get(`${sites.url}/cart`, cart),
      await get(`${sites.url}/checkout`, cart), await get(`${sites.url}/checkout?flow=form`, cart), await get(`${sites.url}/thank-you`),
      await get(`${sites.url}/no-such-page`),
    ]
    for (const page of pages) {
      expect(page.text).toContain(`${stub}\n  ${tag(networkUrl, 'TCDEMOSHOP')}`)
      expect(page.text).not.toContain('data-allow-automation')
    }
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200, 404])
    const garden = await get(`${sites.gardenUrl}/`)
    expect(garden.text).toContain(tag(networkUrl, 'TCDEMOGARDEN'))
    expect(garden.text).not.toContain('classic checkout')
  })

  it('opt into automation only when started for tests', async () => {
    const automated = await startDemoShop({ port: 0, host: '127.0.0.1', networkUrl, allowAutomation: true })
    try {
      expect((await get(`${automated.url}/`)).text).toContain('<script async src="http://network.example/t.js" data-code="TCDEMOSHOP" data-allow-automation></script>')
      expect(automated.gardenUrl).toBeNull()
      expect(automated.blogUrl).toBeNull()
    } finally {
      await automated.stop()
    }
  })

  it('link the blog to the shops through the demo publisher’s tracked links', async () => {
    const blog = (await get(`${sites.blogUrl}/`)).text
    const links = [...blog.matchAll(/href="(http:\/\/network\.example\/c\/[^"]+)"/g)].map((m) => m[1]!.replaceAll('&#38;', '&'))
    expect(links).toContain('http://network.example/c/demo-link?sub1=desk-corner&sub2=card')
    expect(links).toContain('http://network.example/c/demo-garden-link?sub1=desk-corner&sub2=card')
    expect(blog).toContain('rel="sponsored"')
  })

  it('report the conversion on the thank-you page of the script checkout, and post the seed-002 form in the classic one', async () => {
    const order = await checkout(sites.url, { flow: 'script', name: 'Bob', email: 'bob@example.com', address: 'Dublin' })
    expect(order.status).toBe(303)
    const orderId = /order=([^&]+)/.exec(order.headers.get('location') ?? '')?.[1]
    expect(orderId).toMatch(/^DS-[A-Z0-9]+$/)
    expect(cookiesOf(order)).toContain('ds_cart=;')
    const thanks = (await get(`${sites.url}/thank-you?order=${orderId}`)).text
    expect(thanks).toContain(`<script>nw('conversion', {"orderId":"${orderId}","amount":"48.50","currency":"EUR"})</script>`)

    const classic = await checkout(sites.url, { flow: 'form', name: 'Bob', email: 'bob@example.com', address: 'Dublin' })
    const confirm = await get(`${sites.url}${classic.headers.get('location')}`)
    const classicId = /order=([^&]+)/.exec(classic.headers.get('location') ?? '')?.[1]
    expect(confirm.text).toContain(`<form action="${networkUrl}/conv" method="POST">`)
    expect(confirm.text).toContain('<input type="hidden" name="t" value="TCDEMOFORM">')
    expect(confirm.text).toContain('<input type="hidden" name="amount" value="48.50">')
    expect(confirm.text).toContain(`<input type="hidden" name="id" value="${classicId}">`)
    // The network sends the buyer back to the plain thank-you URL: the order cookie says which order, and
    // the page reports nothing more (the form already did).
    const back = (await get(`${sites.url}/thank-you`, cookiesOf(classic))).text
    expect(back).toContain(`data-testid="order-id">${classicId}<`)
    expect(back).not.toContain("nw('conversion'")
  })

  it('refuse an incomplete checkout with the fields named, keeping the cart', async () => {
    const res = await checkout(sites.url, { flow: 'script', name: '', email: 'not-an-email', address: '' })
    expect(res.status).toBe(422)
    const page = await res.text()
    expect(page).toContain('Please enter your name.')
    expect(page).toContain('Please enter an email address')
    expect(page).toContain('value="not-an-email"')
    expect(res.headers.getSetCookie()).toEqual([])
  })

  it('escape what buyers type', async () => {
    const res = await checkout(sites.url, { flow: 'script', name: '<img src=x onerror=alert(1)>', email: 'bob@example.com', address: '"><script>alert(1)</script>' })
    const page = (await get(`${sites.url}${res.headers.get('location')}`)).text
    expect(page).not.toContain('<img src=x')
    expect(page).not.toContain('<script>alert(1)')
    expect(page).toContain('Thank you, &#60;img!')
    expect(page).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;')
  })

  it('notify the network of each order at confirmation, without making the buyer wait for its answer', async () => {
    // The stand-in network never answers while the test runs: the buyer's confirmation arriving at all proves
    // the shop did not wait for it (no clock involved). It is closed at the end, unanswered; the shop's
    // complaint about that comes after the assertions.
    const network = await silentNetwork()
    const problems: string[] = []
    const shop = await startDemoShop({ port: 0, host: '127.0.0.1', networkUrl: network.url, apiKey: 'nw_demo-key', log: (m) => void problems.push(m) })
    try {
      const res = await checkout(shop.url, { flow: 'script', name: 'Bob Buyer', email: 'Bob@Example.com', address: 'Dublin' })
      expect(res.status).toBe(303)
      const orderId = /order=([^&]+)/.exec(res.headers.get('location') ?? '')?.[1]
      await expect.poll(() => network.received.length, { timeout: 8_000 }).toBe(1)
      expect(network.received[0]).toEqual({
        authorization: 'Bearer nw_demo-key',
        body: {
          orderId, email: 'Bob@Example.com', name: 'Bob Buyer', amount: '48.50', currency: 'EUR', status: 'in_progress', orderedAt: expect.any(String),
          items: [
            { sku: 'DS-MUG', name: 'Fjord Mug', quantity: 2, price: '18.00' },
            { sku: 'DS-NOTE', name: 'Linen Notebook', quantity: 1, price: '12.50' },
          ],
        },
      })
      expect(problems).toEqual([])
    } finally {
      await shop.stop()
      await network.close()
    }
  })
})
