import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithChromium, launchChromium } from '../support/browser.js'

// The built tracker in a real Chromium, end to end: a network server (127.0.0.1) serves t.js and records
// every hit; the shop's pages come from another server reached as `localhost`, so the shop and the network
// are different sites, as in production.

const CLICK_ID = 'Xk3_9fQ-2LmZpW7aB1cD4e'
const STUB = 'window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}'
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

interface Hit {
  method: string
  path: string
  query: Record<string, string>
  body: string
  contentType?: string
}

const listen = async (handle: (request: IncomingMessage, response: ServerResponse) => void) => {
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

const readBody = async (request: IncomingMessage) => {
  let body = ''
  for await (const chunk of request) body += chunk
  return body
}

const sha256 = (script: string) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`

describeWithChromium('tracker in Chromium', () => {
  const hits: Hit[] = []
  const servers: Server[] = []
  let network = ''
  let shop = ''
  let browser: Browser
  let context: BrowserContext
  let page: Page

  const tag = (data = 'data-code="TC-JS" data-allow-automation') => `<script async src="${network}/t.js" ${data}></script>`
  const html = (head: string, body = '') =>
    `<!DOCTYPE html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`

  /** The shop's pages; each returns its HTML and extra response headers. */
  const pages: Record<string, () => { body: string; headers?: Record<string, string> }> = {
    '/landing': () => ({ body: html(`<script>${STUB}</script>${tag()}`, '<h1>Shoes</h1>') }),
    '/landing-no-opt-in': () => ({ body: html(tag('data-code="TC-JS" data-debug')) }),
    '/thank-you': () => ({
      // The conversion is called before t.js loads: the stub queues it.
      body: html(
        `<script>${STUB}</script>` +
          `<script>nw('conversion', { orderId: 'A-1001', amount: '19.90', currency: 'EUR' })</script>` +
          tag(),
        '<h1>Thank you</h1>',
      ),
    }),
    '/pixel': () => ({
      body: html('', `<img src="${network}/px?t=TC-PIX&amount=19.95&id=11001" width="1" height="1" alt="">`),
    }),
    '/checkout': () => ({
      body: html(
        tag(),
        `<form action="${network}/conv" method="POST">
           <input type="hidden" name="t" value="TC-FORM"><input type="hidden" name="amount" value="39.95">
           <input type="hidden" name="id" value="110001"><input type="submit" value="Click to Continue">
         </form>`,
      ),
    }),
    '/thank-you-form': () => ({ body: html('', '<h1>Thank you (form)</h1>') }),
    '/strict': () => {
      // A page that could clash: its own globals named like the tracker's concerns, and a CSP that allows
      // nothing inline but the two scripts it hashes, and nothing remote but the network.
      const globals =
        "window.config = { endpoint: 'https://evil.example' }; var data = 'page data'; var endpoint = 'page';" +
        "nw('conversion', { orderId: 'CSP-1', amount: '7.50', currency: 'USD', type: 'lead' })"
      const csp =
        `default-src 'none'; script-src ${network} ${sha256(STUB)} ${sha256(globals)}; ` +
        `connect-src ${network}; img-src ${network}`
      return {
        body: html(`<script>${STUB}</script><script>${globals}</script>${tag()}`),
        headers: { 'Content-Security-Policy': csp },
      }
    },
  }

  const waitForHit = async (predicate: (hit: Hit) => boolean) => {
    for (let waited = 0; waited < 5000; waited += 25) {
      const hit = hits.find(predicate)
      if (hit) return hit
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`no matching hit; received: ${JSON.stringify(hits)}`)
  }

  beforeAll(async () => {
    const tracker = readFileSync(new URL('../../tracker/dist/t.js', import.meta.url))
    const networkServer = await listen(async (request, response) => {
      const url = new URL(request.url!, 'http://network')
      const hit: Hit = {
        method: request.method!,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: await readBody(request),
        contentType: request.headers['content-type'],
      }
      if (url.pathname == '/t.js') {
        response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(tracker)
        return
      }
      hits.push(hit)
      if (url.pathname == '/px' && request.method == 'GET') response.writeHead(200, { 'Content-Type': 'image/gif' }).end(GIF)
      else if (url.pathname == '/conv' && request.method == 'POST')
        response.writeHead(303, { Location: `${shop}/thank-you-form` }).end()
      else response.writeHead(204).end()
    })
    const shopServer = await listen((request, response) => {
      const page = pages[new URL(request.url!, 'http://shop').pathname]
      if (!page) return void response.writeHead(404).end()
      const { body, headers } = page()
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...headers }).end(body)
    })
    servers.push(networkServer.server, shopServer.server)
    network = `http://127.0.0.1:${networkServer.port}`
    shop = `http://localhost:${shopServer.port}`
    browser = await launchChromium()
    context = await browser.newContext()
    page = await context.newPage()
    await page.goto(`${shop}/landing?nclid=${CLICK_ID}`)
    await page.waitForFunction(() => (window as { nw?: { loaded?: number } }).nw?.loaded === 1)
  })

  afterAll(async () => {
    await browser?.close()
    for (const server of servers) server.closeAllConnections(), server.close()
  })

  it('stores the click id in a first-party cookie on the shop: _nclid, Path=/, SameSite=Lax, 30 days', async () => {
    const cookie = (await context.cookies(shop)).find((cookie) => cookie.name == '_nclid')
    expect(cookie).toMatchObject({ value: CLICK_ID, domain: 'localhost', path: '/', sameSite: 'Lax', secure: false })
    expect(cookie!.expires - Date.now() / 1000).toBeGreaterThan(30 * 86400 - 60)
    expect(cookie!.expires - Date.now() / 1000).toBeLessThanOrEqual(30 * 86400)
    // and the network's origin never sees it: it is the shop's own cookie
    expect(await context.cookies(network)).toEqual([])
  })

  it('reports a conversion queued before load: form-encoded POST to /px, no preflight, amount as given', async () => {
    await page.goto(`${shop}/thank-you`)
    const hit = await waitForHit((hit) => hit.path == '/px' && hit.body.includes('A-1001'))
    expect(hit.method).toBe('POST')
    expect(hit.contentType).toMatch(/^application\/x-www-form-urlencoded/)
    expect(Object.fromEntries(new URLSearchParams(hit.body))).toEqual({ orderId: 'A-1001', amount: '19.90', currency: 'EUR', t: 'TC-JS', nclid: CLICK_ID, nclid1: CLICK_ID })
    expect(hits.filter((hit) => hit.method == 'OPTIONS')).toEqual([])
  })

  it('reports the order again when the thank-you page is reloaded (the network keeps one per order id)', async () => {
    await page.reload()
    await waitForHit(() => hits.filter((hit) => hit.body.includes('A-1001')).length === 2)
    expect(hits.filter((hit) => hit.body.includes('A-1001')).map((hit) => new URLSearchParams(hit.body).get('orderId'))).toEqual(['A-1001', 'A-1001'])
  })

  it('records the GET image pixel, which needs no script', async () => {
    await page.goto(`${shop}/pixel`)
    const hit = await waitForHit((hit) => hit.path == '/px' && hit.method == 'GET')
    expect(hit.query).toEqual({ t: 'TC-PIX', amount: '19.95', id: '11001' })
  })

  it('adds the click id to the POST form, which lands on the thank-you page through the 303', async () => {
    await page.goto(`${shop}/checkout`)
    await page.waitForFunction(() => (window as { nw?: { loaded?: number } }).nw?.loaded === 1)
    await Promise.all([page.waitForURL(`${shop}/thank-you-form`), page.click('input[type=submit]')])
    const hit = await waitForHit((hit) => hit.path == '/conv')
    expect(hit.method).toBe('POST')
    expect(Object.fromEntries(new URLSearchParams(hit.body))).toEqual({
      t: 'TC-FORM',
      amount: '39.95',
      id: '110001',
      nclid: CLICK_ID,
      nclid1: CLICK_ID,
    })
    expect(await page.textContent('h1')).toBe('Thank you (form)')
  })

  it('works under a strict CSP next to clashing page globals, and leaves them alone', async () => {
    const problems: string[] = []
    page.on('console', (message) => message.type() == 'error' && problems.push(message.text()))
    page.on('pageerror', (error) => problems.push(error.message))
    await page.goto(`${shop}/strict`)
    const hit = await waitForHit((hit) => hit.body.includes('CSP-1'))
    expect(Object.fromEntries(new URLSearchParams(hit.body))).toEqual({ orderId: 'CSP-1', amount: '7.50', currency: 'USD', type: 'lead', t: 'TC-JS', nclid: CLICK_ID, nclid1: CLICK_ID })
    const globals = await page.evaluate(() => {
      const page = window as unknown as { config: { endpoint: string }; data: string; endpoint: string }
      return { config: page.config.endpoint, data: page.data, endpoint: page.endpoint }
    })
    expect(globals).toEqual({ config: 'https://evil.example', data: 'page data', endpoint: 'page' })
    expect(problems).toEqual([])
  })

  it('skips an automated browser (navigator.webdriver) without data-allow-automation', async () => {
    const robot = await browser.newContext()
    const robotPage = await robot.newPage()
    const skipped = robotPage.waitForEvent('console', (message) => message.type() == 'debug')
    await robotPage.goto(`${shop}/landing-no-opt-in?nclid=${CLICK_ID}`)
    expect((await skipped).text()).toBe('nw webdriver')
    expect(await robotPage.evaluate(() => navigator.webdriver)).toBe(true)
    expect(await robot.cookies(shop)).toEqual([])
    await robot.close()
  })
})
