// Every kind of HTML page the network answers — a tracking page, unsubscribe, the outbox and an email in it, the
// standalone revenue report, the portal — in the one shell under the one Content-Security-Policy (page.ts),
// none with 'unsafe-inline', each page's stylesheet a file that loads; then in Chromium: styles applied, the
// copy button's script running, and not one CSP violation.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../server/src/ids.js'
import { outboxMailer } from '../../server/src/monetize/mailer.js'
import { renderOfferEmail } from '../../server/src/monetize/render.js'
import { csp, emailCsp, inlineStyleHashes } from '../../server/src/page.js'
import type { Campaign } from '../../server/src/storage/types.js'
import { proxyHeader, proxyKey } from '../../server/src/tracking/firstParty.js'
import { describeWithChromium, launchChromium } from '../support/browser.js'
import type { TestNetwork } from '../support/network.js'
import { demoPerson, fetchSession, signIn, startPortalNetwork } from '../portal/support.js'

let net: TestNetwork
let url: string
let offerEmail: string
let craftedEmail: string
let advertiserKey: string

// An email's inline styles the way emails carry them, with the quoting and character references the hashes
// must see through: double and single quotes, unquoted, &quot; and numeric references, a quoted `>` before
// the style, a <style> element, and a style= that is only text.
const crafted = `<html><head><style>.boxed{outline:3px solid rgb(1, 2, 3)}</style></head><body style="margin:0;background:#f5f7fa">
<p id="quoted" title="a > b" style="font-family:&quot;Courier New&quot;,monospace;color:#b45309">Quoted</p>
<p id="single" style='border:&#49;px solid rgb(166, 27, 41)'>Single</p>
<p id=bare style=padding-left:7px class=boxed>Bare</p>
<p id="text">style="color:red" is only text here</p></body></html>`

beforeAll(async () => {
  net = await startPortalNetwork()
  url = net.url
  advertiserKey = demoPerson(net, 'advertiser').apiKey
  const mailer = outboxMailer(net.storage, 'offers@net.example')
  const rendered = renderOfferEmail({
    shop: { name: 'Demo Shop', email: 'shop@demo.example' }, order: { externalId: 'A-1', name: 'Ada Lovelace' },
    offers: [{ campaign: { name: 'Spring sale', description: 'Tea & cups, "the good ones"' } as Campaign, url: `${url}/c/nope` }],
    unsubscribeUrl: `${url}/unsubscribe?m=msg_1&s=x`,
  })
  const base = { messageId: newId('msg'), to: 'ada@buyer.example', from: 'offers@net.example', replyTo: 'r@x', text: 't', tags: [], variables: {}, unsubscribeUrl: 'u' }
  offerEmail = `/outbox/${(await mailer.send({ ...base, subject: rendered.subject, html: rendered.html })).providerId}`
  craftedEmail = `/outbox/${(await mailer.send({ ...base, subject: 'Crafted', html: crafted })).providerId}`
})
afterAll(async () => {
  await net?.destroy()
})

/** Every kind of page, with how to ask for it. */
function pages(portalCookie: string): { name: string; path: string; headers?: Record<string, string>; status: number }[] {
  return [
    { name: 'tracking: unknown link', path: '/c/nope', status: 404 },
    { name: 'tracking: link a level deeper', path: '/c/nope/deeper', status: 404 },
    { name: 'tracking: malformed handshake', path: '/r?h=nope', status: 400 },
    { name: 'unsubscribe', path: '/unsubscribe?m=msg_1&s=x', status: 200 },
    { name: 'outbox', path: '/outbox', status: 200 },
    { name: 'outbox: no such email', path: '/outbox/out_nothing', status: 404 },
    { name: 'revenue report', path: '/api/v1/revenue/report.html', headers: { authorization: `Bearer ${advertiserKey}` }, status: 200 },
    { name: 'portal: sign-in', path: '/portal/sign-in', status: 200 },
    { name: 'portal: signed in', path: '/portal/advertiser', headers: { cookie: portalCookie }, status: 200 },
    { name: 'portal: missing page', path: '/portal/advertiser/nothing-here', headers: { cookie: portalCookie }, status: 404 },
  ]
}

describe('every HTML page', () => {
  it('comes in the one shell under the one policy, and its stylesheet loads as CSS', async () => {
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("style-src 'self'")
    const session = await fetchSession(url, demoPerson(net, 'advertiser'))
    const sheets = new Set<string>()
    for (const p of pages(session.cookie)) {
      const res = await fetch(url + p.path, { headers: p.headers, redirect: 'manual' })
      expect(res.status, p.name).toBe(p.status)
      expect(res.headers.get('content-type'), p.name).toMatch(/^text\/html/)
      expect(res.headers.get('content-security-policy'), p.name).toBe(csp)
      const html = await res.text()
      expect(html, p.name).toMatch(/^<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\n<title>/)
      expect(html, p.name).not.toMatch(/<style|\sstyle=|<script(?![^>]*\ssrc=)/)
      const links = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]!)
      expect(links, p.name).toHaveLength(1)
      const sheet = new URL(links[0]!.replaceAll('&#38;', '&'), url + p.path)
      const css = await fetch(sheet)
      expect(css.status, `${p.name}: ${sheet}`).toBe(200)
      expect(css.headers.get('content-type'), p.name).toMatch(/^text\/css/)
      expect(css.headers.get('cache-control'), p.name).toContain('immutable')
      sheets.add(sheet.pathname)
    }
    expect([...sheets].sort()).toEqual(['/assets/page.css', '/portal/assets/portal.css'])
  })

  it('links the tracking pages\' stylesheet relative to the page, so it loads through a shop\'s proxy too', async () => {
    const html = await (await fetch(`${url}/c/nope/deeper`)).text()
    expect(html).toMatch(/<link rel="stylesheet" href="\.\.\/\.\.\/assets\/page\.css\?v=\w+">/)
    // Through the proxy (`/_nw/r` on the shop → `/r` here), `./assets/page.css` reaches the network as /assets/page.css.
    const key = proxyKey(net.services.config.cookieSecret, 'acc_shop_with_proxy')
    const proxied = await fetch(`${url}/r?h=nope`, { headers: { [proxyHeader]: key } })
    expect(proxied.status).toBe(400)
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(await proxied.text())![1]!
    expect(href).toMatch(/^\.\/assets\/page\.css\?v=\w+$/)
    const sheet = await fetch(new URL(href, `${url}/r`), { headers: { [proxyHeader]: key } })
    expect(sheet.status).toBe(200)
    expect(sheet.headers.get('content-type')).toMatch(/^text\/css/)
    // Nothing else of the application answers through the proxy.
    expect((await fetch(`${url}/assets/copy.js`, { headers: { [proxyHeader]: key } })).status).toBe(404)
    expect((await fetch(`${url}/assets/nothing.css`)).status).toBe(404)
    expect((await fetch(`${url}/assets/__proto__`)).status).toBe(404)
  })

  it('serves the report\'s copy button as a script file, allowed by script-src \'self\'', async () => {
    const html = await (await fetch(`${url}/api/v1/revenue/report.html`, { headers: { authorization: `Bearer ${advertiserKey}` } })).text()
    const src = /<script src="([^"]+)" defer><\/script>/.exec(html)![1]!
    const js = await fetch(new URL(src, url))
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await js.text()).toContain("querySelectorAll('[data-copy]')")
  })

  it('shows an outbox email with exactly its own inline styles allowed by hash, no script, sandboxed', async () => {
    for (const path of [offerEmail, craftedEmail]) {
      const res = await fetch(url + path)
      const html = await res.text()
      const policy = res.headers.get('content-security-policy')!
      expect(policy).toBe(emailCsp(html))
      expect(policy).not.toContain('unsafe-inline')
      expect(policy).toContain("script-src 'none'")
      expect(policy).toMatch(/; sandbox allow-popups allow-popups-to-escape-sandbox$/)
      expect(policy).toMatch(/style-src 'unsafe-hashes'( 'sha256-[\w+/]+={0,2}')+;/)
    }
    // One hash per distinct value: the <style> element, four attributes; neither the text nor the title's `>`.
    expect(inlineStyleHashes(crafted)).toHaveLength(5)
    expect(inlineStyleHashes('<p>style="color:red"</p><a title=\'x style="color:red"\'>')).toEqual([])
  })
})

/**
 * Collects what Chromium reports: console errors and warnings (a refused style or script is one), script
 * errors, and a page's files (stylesheet, script) that did not load. A page's own 404 is its answer, not a fault.
 */
function watch(page: Page): string[] {
  const reports: string[] = []
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) reports.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => reports.push(`error: ${e.message}`))
  page.on('response', (r) => {
    if (r.request().resourceType() !== 'document' && r.status() >= 400) reports.push(`${r.status()} ${r.url()}`)
  })
  page.on('requestfailed', (r) => reports.push(`failed: ${r.url()} ${r.failure()?.errorText}`))
  return reports
}

describeWithChromium('every HTML page in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  const style = (page: Page, selector: string, property: string) =>
    page.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property)

  it('renders each kind of page with its styles applied and no CSP violation', async () => {
    const { context } = await signIn(browser, url, demoPerson(net, 'advertiser'), { clipboard: true })
    const page = await context.newPage()
    // Violations as the page sees them, recorded before any of its own code runs.
    await context.addInitScript(() => {
      const seen: string[] = ((window as unknown as { __violations: string[] }).__violations = [])
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective}: ${e.blockedURI || 'inline'} ${e.sample}`))
    })
    const reports = watch(page)
    const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)
    // One computed style from each page's own stylesheet (the browser default differs in each case).
    const checks: [string, string, string, string][] = [
      ['/c/nope', 'body', 'max-width', '544px'],
      ['/c/nope/deeper', 'h1', 'font-size', '24px'],
      ['/unsubscribe?m=msg_1&s=x', 'button', 'background-color', 'rgb(11, 107, 203)'],
      ['/outbox', '.scroll', 'overflow-x', 'auto'],
      ['/portal/advertiser', 'body', 'margin-top', '0px'],
      [offerEmail, 'body', 'background-color', 'rgb(245, 247, 250)'],
      [offerEmail, 'a[href*="/c/nope"]', 'background-color', 'rgb(11, 107, 203)'],
      [craftedEmail, '#quoted', 'font-family', '"Courier New", monospace'],
      [craftedEmail, '#single', 'border-top-width', '1px'],
      [craftedEmail, '#bare', 'padding-left', '7px'],
      [craftedEmail, '#bare', 'outline-color', 'rgb(1, 2, 3)'],
      [craftedEmail, '#text', 'color', 'rgb(0, 0, 0)'],
    ]
    for (const [path, selector, property, expected] of checks) {
      await page.goto(path)
      expect(await style(page, selector, property), `${path} ${selector} ${property}`).toBe(expected)
      expect(await violations(), path).toEqual([])
    }
    // The standalone report: its stylesheet, and its copy button wired by the script file.
    await page.setExtraHTTPHeaders({ authorization: `Bearer ${advertiserKey}` })
    await page.goto('/api/v1/revenue/report.html')
    expect(await style(page, 'body', 'font-size')).toBe('15px')
    expect(await style(page, '.revenue-totals', 'display')).toBe('flex')
    await page.getByRole('button', { name: 'Copy' }).click()
    await expect.poll(() => page.getByRole('button', { name: /Copied/ }).count()).toBe(1)
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('Revenue from campaigns')
    expect(await violations()).toEqual([])
    expect(reports).toEqual([])
    await context.close()
  })
})
