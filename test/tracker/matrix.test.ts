// The attribution matrix (issue 12): every way a sale reaches the network, in a real Chromium with
// third-party cookies blocked and allowed, with and without first-party mode — each situation expects the
// publisher who earned it, or the honest reason nobody did (the table below).
//
// The sites are real hostnames (`*.test` → 127.0.0.1 in the browser): the publisher's blog `blog.test`, the
// network `net.test`, the shop `shop.test` with its payment subdomain `pay.shop.test`, and a second
// advertiser's shop `garden.test`. One real network runs in-process; one node:http server plays every other
// site, and the shops' `/_nw/*` is the first-party proxy rule of the spec (test/support/hosts.ts).
//
// Third-party cookies are Chromium's own setting (test/support/hosts.ts), one browser per setting and a
// fresh context per case. Which one is in force is checked on every case, from what the network received:
// a `SameSite=None; Secure` probe cookie of net.test rides on the shop pages' cross-site requests to the
// network only when they are allowed.
//
// Under `npm test` the network runs as in production (NODE_ENV=production): its own cookie is
// `SameSite=None; Secure`, as on the web, so the browser's third-party setting decides whether it rides on
// a cross-site pixel, beacon or form POST (the table's `production` cells). MATRIX_NODE_ENV=test runs it
// as in development, where the cookie is `SameSite=Lax` and never rides cross-site: every case asserts
// that too. MATRIX_GAPS=1 runs known gaps (none today) as ordinary tests, to see them fail.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newApiKey, newId } from '../../server/src/ids.js'
import { proxyKey } from '../../server/src/tracking/firstParty.js'
import type { Conversion } from '../../server/src/storage/types.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { describeWithChromium } from '../support/browser.js'
import { cookieValue, forwardToNetwork, launchHostBrowser, type HostBrowser, type ThirdPartyCookies } from '../support/hosts.js'
import { startTestNetwork, type TestNetwork } from '../support/network.js'
import { freePort } from '../support/ports.js'

// ---------------------------------------------------------------------------------------------------------
// The expected outcome table
// ---------------------------------------------------------------------------------------------------------

/**
 * How the network runs. `production` (what `npm test` runs): `SameSite=None; Secure`, as on the web — the
 * browser's third-party setting then decides whether it rides along (the `*.test` origins are treated as
 * secure for it). `test` (MATRIX_NODE_ENV=test): NODE_ENV=test over http, so the network's own cookie is
 * `SameSite=Lax` and never rides on a shop page's request to the network.
 */
const networkEnv: 'test' | 'production' = process.env.MATRIX_NODE_ENV === 'test' ? 'test' : 'production'

type Publisher = 'pub1' | 'pub2'
type Expected =
  | { publisher: Publisher; reason: 'attributed' }
  | { publisher: null; reason: 'no_click' | 'unknown_click' | 'foreign_click' | 'expired_window' }
/** One cell of the table: the conversion's publisher and reason, and the request log of the order's hits. */
interface Outcome {
  expect: Expected
  /** Each hit that reported the order, in order, as the request log has it (`kind: reason`). */
  hits?: string[]
}

type Situation =
  | 'js call'
  | 'pixel only'
  | 'form (no script)'
  | 'form with the tag'
  | 'pixel then beacon'
  | 'beacon then pixel'
  | 'thank-you on pay.shop.test, js call'
  | 'thank-you on pay.shop.test, pixel only'
  | 'first-click campaign: pub1 then pub2'
  | 'last-click campaign: pub1 then pub2'
  | 'per-advertiser expiry: 30-day click, then another advertiser’s 1-day click, 2 days later'
  | 'script cookies cleared before the thank-you page (ITP)'
  | 't.js blocked on the landing page'
  | 'tampered _nclid: another advertiser’s click id'
  | 'tampered _nclid: an id the network never issued'
  | 'tampered nw_click: names pub2’s click, _nclid gone'

interface Row {
  situation: Situation
  /** First-party mode: a campaign with firstPartyPath '/_nw', the tag as /_nw/t.js, hits through /_nw. */
  firstParty: boolean
  /** Third-party cookies blocked / allowed, the network in NODE_ENV=test. */
  blocked: Outcome
  allowed: Outcome
  /** Where the network in NODE_ENV=production (its cookie SameSite=None) gives another outcome. */
  production?: Partial<Record<ThirdPartyCookies, Outcome>>
  /** The second advertiser's conversion in the same visit (per-advertiser expiry only). */
  garden?: Expected
  /**
   * A gap of the product: the cell states the right outcome and is expected to fail until it is fixed
   * (MATRIX_GAPS=1 runs it as an ordinary test, to see it fail).
   */
  knownGap?: string
}

const pub1: Outcome = { expect: { publisher: 'pub1', reason: 'attributed' } }
const pub2: Outcome = { expect: { publisher: 'pub2', reason: 'attributed' } }
const noClick: Outcome = { expect: { publisher: null, reason: 'no_click' } }
const foreign: Outcome = { expect: { publisher: null, reason: 'foreign_click' } }
const unknown: Outcome = { expect: { publisher: null, reason: 'unknown_click' } }
const withHits = (outcome: Outcome, ...hits: string[]): Outcome => ({ ...outcome, hits })

// prettier-ignore
const table: Row[] = [
  // The tracker's beacon carries the first-party click id: credited everywhere.
  { situation: 'js call', firstParty: false, blocked: pub1, allowed: pub1 },
  { situation: 'js call', firstParty: true,  blocked: pub1, allowed: pub1 },
  // The pixel alone carries no click id: only a cookie the network can read helps. The network's own rides
  // on a cross-site pixel only when it is SameSite=None and third-party cookies are allowed; the first-party
  // one (through /_nw) always does.
  { situation: 'pixel only', firstParty: false, blocked: noClick, allowed: noClick, production: { allowed: pub1 } },
  { situation: 'pixel only', firstParty: true,  blocked: pub1,    allowed: pub1 },
  // The seed-002 form without the tag: a top-level POST to the network, on which a SameSite=None cookie is
  // first-party (sent even with third-party cookies blocked) and a Lax one is not sent.
  { situation: 'form (no script)', firstParty: false, blocked: noClick, allowed: noClick, production: { blocked: pub1, allowed: pub1 } },
  { situation: 'form (no script)', firstParty: true,  blocked: pub1,    allowed: pub1 },
  { situation: 'form with the tag', firstParty: false, blocked: pub1, allowed: pub1 },
  { situation: 'form with the tag', firstParty: true,  blocked: pub1, allowed: pub1 },
  // The same order id twice. Pixel first: its no_click conversion is upgraded by the beacon (unless the
  // pixel already knew the click); beacon first: the pixel is a duplicate. The publisher earns it once.
  { situation: 'pixel then beacon', firstParty: false,
    blocked: withHits(pub1, 'pixel: no_click', 'script: upgraded'), allowed: withHits(pub1, 'pixel: no_click', 'script: upgraded'),
    production: { allowed: withHits(pub1, 'pixel: attributed', 'script: duplicate_order') } },
  { situation: 'pixel then beacon', firstParty: true,
    blocked: withHits(pub1, 'pixel: attributed', 'script: duplicate_order'), allowed: withHits(pub1, 'pixel: attributed', 'script: duplicate_order') },
  { situation: 'beacon then pixel', firstParty: false,
    blocked: withHits(pub1, 'script: attributed', 'pixel: duplicate_order'), allowed: withHits(pub1, 'script: attributed', 'pixel: duplicate_order') },
  { situation: 'beacon then pixel', firstParty: true,
    blocked: withHits(pub1, 'script: attributed', 'pixel: duplicate_order'), allowed: withHits(pub1, 'script: attributed', 'pixel: duplicate_order') },
  // _nclid is written for the registrable domain (shop.test), so the payment subdomain reads it.
  { situation: 'thank-you on pay.shop.test, js call', firstParty: false, blocked: pub1, allowed: pub1 },
  { situation: 'thank-you on pay.shop.test, js call', firstParty: true,  blocked: pub1, allowed: pub1 },
  { situation: 'thank-you on pay.shop.test, pixel only', firstParty: false, blocked: noClick, allowed: noClick, production: { allowed: pub1 } },
  // The first-party cookie is set for the shop's registrable domain (the public suffix list), not host-only.
  { situation: 'thank-you on pay.shop.test, pixel only', firstParty: true,  blocked: pub1,    allowed: pub1 },
  // The campaign's model decides, on the network, from every click it can see (nclid, nclid1, its cookie).
  { situation: 'first-click campaign: pub1 then pub2', firstParty: false, blocked: pub1, allowed: pub1 },
  { situation: 'first-click campaign: pub1 then pub2', firstParty: true,  blocked: pub1, allowed: pub1 },
  { situation: 'last-click campaign: pub1 then pub2', firstParty: false, blocked: pub2, allowed: pub2 },
  { situation: 'last-click campaign: pub1 then pub2', firstParty: true,  blocked: pub2, allowed: pub2 },
  // The network cookie keeps each advertiser's entry with its own window and lives as long as the longest
  // (checked on the cookie itself); 2 days later the 1-day click has expired, the 30-day one has not. (In
  // first-party mode each shop's domain has a cookie of its own: nothing to share, no row.)
  { situation: 'per-advertiser expiry: 30-day click, then another advertiser’s 1-day click, 2 days later', firstParty: false,
    blocked: pub1, allowed: pub1, garden: { publisher: null, reason: 'expired_window' } },
  // Safari's ITP caps (here: clears) script-set cookies; a server-set HttpOnly cookie survives.
  { situation: 'script cookies cleared before the thank-you page (ITP)', firstParty: false, blocked: noClick, allowed: noClick, production: { allowed: pub1 } },
  { situation: 'script cookies cleared before the thank-you page (ITP)', firstParty: true,  blocked: pub1,    allowed: pub1 },
  { situation: 't.js blocked on the landing page', firstParty: false, blocked: noClick, allowed: noClick, production: { allowed: pub1 } },
  { situation: 't.js blocked on the landing page', firstParty: true,  blocked: pub1,    allowed: pub1 },
  // Never the wrong publisher: another advertiser's click is foreign, an id never issued is unknown (a
  // cookie the network can read still names the real click); a forged network cookie is ignored.
  { situation: 'tampered _nclid: another advertiser’s click id', firstParty: false, blocked: foreign, allowed: foreign, production: { allowed: pub1 } },
  { situation: 'tampered _nclid: another advertiser’s click id', firstParty: true,  blocked: pub1,    allowed: pub1 },
  { situation: 'tampered _nclid: an id the network never issued', firstParty: false, blocked: unknown, allowed: unknown, production: { allowed: pub1 } },
  { situation: 'tampered _nclid: an id the network never issued', firstParty: true,  blocked: pub1,    allowed: pub1 },
  { situation: 'tampered nw_click: names pub2’s click, _nclid gone', firstParty: false, blocked: noClick, allowed: noClick },
  { situation: 'tampered nw_click: names pub2’s click, _nclid gone', firstParty: true,  blocked: noClick, allowed: noClick },
]

// ---------------------------------------------------------------------------------------------------------
// The sites
// ---------------------------------------------------------------------------------------------------------

const STUB = 'window.nw=window.nw||function(){(nw.q=nw.q||[]).push(arguments)}'
/** Whether the network's own cookie reaches it from a shop page (a pixel, a beacon, t.js, an image). */
const networkCookieCrossSite = (thirdParty: ThirdPartyCookies) => networkEnv === 'production' && thirdParty === 'allowed'
const cookieSameSite = networkEnv === 'production' ? 'None' : 'Lax'
const FP = '/_nw'
const PROBE = 'nw_probe'
const DAY = 86_400

type Mode = 'plain' | 'fp'
type ThanksKind = 'js' | 'pixel' | 'pixel-then-beacon'

interface Sites {
  network: string
  /** Host → its shop's tracking code and its advertiser's proxy key. */
  shops: Record<string, { code: string; proxyKey: string }>
}

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) =>
  void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(body)

const html = (head: string, body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`

/** The blog, the shops (their pages and their /_nw proxy rule): one server, told apart by the Host header. */
function siteHandler(sites: () => Sites) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const { network, shops } = sites()
    const host = (req.headers.host ?? '').split(':')[0]!
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    const q = (name: string) => url.searchParams.get(name) ?? ''
    if (host === 'blog.test' && url.pathname === '/post') {
      const to = q('to')
      if (!to.startsWith(`${network}/c/`)) return send(res, 400, 'not a tracked link')
      return send(res, 200, html('<title>Quiet Corners</title>', `<h1>A desk corner</h1><p>Affiliate link: <a id="go" rel="sponsored" href="${to}">Visit the shop →</a></p>`))
    }
    const shop = shops[host]
    if (!shop) return send(res, 404, 'no such site')
    if (url.pathname === FP || url.pathname.startsWith(`${FP}/`)) {
      return forwardToNetwork(new URL(network), shop.proxyKey, FP)(req, res)
    }
    const mode: Mode = url.pathname.startsWith('/fp/') || q('mode') === 'fp' ? 'fp' : 'plain'
    const endpoint = mode === 'fp' ? FP : network
    // The tracker tag exactly as the README shows it (plus data-allow-automation: Chromium under automation
    // sets navigator.webdriver); first-party mode loads it through the shop's own path.
    const tag = `<script>${STUB}</script>\n<script async src="${endpoint}/t.js" data-code="${shop.code}" data-allow-automation></script>`
    // Shows which cookies reach the network on a cross-site request from this page (see the header comment).
    const probe = `<img id="probe" src="${network}/healthz?probe" width="1" height="1" alt="">`
    const order = q('order')
    const pixel = `<img src="${endpoint}/px?t=${shop.code}&amount=19.95&id=${order}" width="1" height="1" alt="">`
    const call = `nw('conversion', { orderId: '${order}', amount: '19.95', currency: 'EUR' })`
    switch (url.pathname) {
      case '/landing':
      case '/fp/landing':
        return send(res, 200, html(tag, `<h1>Spring sale</h1>${probe}`))
      case '/thanks': {
        const kind = q('kind') as ThanksKind
        if (kind === 'js') return send(res, 200, html(tag, `<h1>Thank you</h1><script>${call}</script>`))
        if (kind === 'pixel') return send(res, 200, html('', `<h1>Thank you</h1>${pixel}`))
        // The pixel first; the tag and its beacon once the pixel has been answered.
        const afterPixel =
          `<script>${STUB};function afterPixel(){${call};var s=document.createElement('script');s.async=true;` +
          `s.src='${endpoint}/t.js';s.setAttribute('data-code','${shop.code}');s.setAttribute('data-allow-automation','');document.head.appendChild(s)}</script>`
        return send(res, 200, html(afterPixel, `<h1>Thank you</h1>${pixel.replace('alt="">', 'alt="" onload="afterPixel()">')}`))
      }
      case '/checkout': {
        // Seed 002's form, verbatim but for the endpoint; the tag only when asked.
        const form = `<form action="${endpoint}/conv" method="POST">
  <input type="hidden" name="t" value="${shop.code}">
  <input type="hidden" name="amount" value="39.95">
  <input type="hidden" name="id" value="${order}">
  <input type="submit" value="Click to Continue">
</form>`
        return send(res, 200, html(q('tag') === '1' ? tag : '', `<h1>Payment approved</h1>${form}`))
      }
      case '/after-form':
        return send(res, 200, html('', '<h1>Thank you (form)</h1>'))
    }
    send(res, 404, 'no such page')
  }
}

// ---------------------------------------------------------------------------------------------------------
// The network's data, made through its API
// ---------------------------------------------------------------------------------------------------------

interface World {
  network: TestNetwork
  /** The network's public URL (http://net.test:port), which only the browser resolves. */
  url: string
  /** The same server by address, for calls from this process. */
  direct: string
  sitePort: number
  advertisers: { shop: string; garden: string }
  publishers: Record<Publisher, string>
  /** Tracked-link URLs: campaign → publisher → URL. */
  links: Record<CampaignName, Partial<Record<Publisher, string>>>
  /** What the sites need to know of the network. */
  sites: Sites
}

type CampaignName = 'last' | 'first' | 'fpLast' | 'fpFirst' | 'short'

async function createWorld(network: TestNetwork, sitePort: number, direct: string): Promise<World> {
  const { storage } = network
  const url = network.url
  const account = async (roles: ('advertiser' | 'publisher')[], name: string) => {
    const id = newId('acc')
    await storage.accounts.create({ id, name, email: `${id}@example.com`, roles, status: 'active', passwordHash: null })
    const key = newApiKey()
    await storage.apiKeys.create({ id: newId('key'), accountId: id, name: 'matrix', prefix: key.prefix, hash: key.hash })
    return { id, key: key.key }
  }
  const call = async (key: string, path: string, body: unknown) => {
    const res = await fetch(`${direct}/api/v1${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    })
    const json = (await res.json()) as any
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  const shop = await account(['advertiser'], 'Matrix Shop')
  const garden = await account(['advertiser'], 'Matrix Garden')
  const publishers = { pub1: await account(['publisher'], 'Publisher One'), pub2: await account(['publisher'], 'Publisher Two') }
  const site = (host: string, path: string) => `http://${host}:${sitePort}${path}`
  const campaign = async (key: string, name: string, fields: Record<string, unknown>) =>
    (await call(key, '/campaigns', {
      name, currency: 'EUR', holdDays: 30, saleRule: { kind: 'percent', percent: '10' }, cookieWindowDays: 30, ...fields,
    })).campaign.id as string
  // holdDays 30: nothing is approved while a case runs, so an upgrade is never refused as decided.
  const campaigns: Record<CampaignName, string> = {
    last: await campaign(shop.key, 'Last click', { attribution: 'last_click', landingUrls: [site('shop.test', '/landing')] }),
    first: await campaign(shop.key, 'First click', { attribution: 'first_click', landingUrls: [site('shop.test', '/landing')] }),
    fpLast: await campaign(shop.key, 'First-party, last click', { attribution: 'last_click', landingUrls: [site('shop.test', '/fp/landing')], firstPartyPath: FP }),
    fpFirst: await campaign(shop.key, 'First-party, first click', { attribution: 'first_click', landingUrls: [site('shop.test', '/fp/landing')], firstPartyPath: FP }),
    short: await campaign(garden.key, 'One-day cookie', { attribution: 'last_click', cookieWindowDays: 1, landingUrls: [site('garden.test', '/landing')] }),
  }
  const links = {} as World['links']
  for (const [name, id] of Object.entries(campaigns) as [CampaignName, string][]) {
    links[name] = {}
    for (const p of ['pub1', 'pub2'] as Publisher[]) links[name][p] = (await call(publishers[p].key, '/links', { campaignId: id })).link.url
  }
  // One tracking code per shop, with the redirection URL the form needs (the campaign only names the sale's
  // campaign when nobody earns it).
  const code = async (key: string, campaignId: string, host: string) =>
    (await call(key, '/tracking-codes', { campaignId, name: 'Thank-you page', method: 'POST', redirectUrl: site(host, '/after-form') })).trackingCode.code as string
  const shopCode = await code(shop.key, campaigns.last, 'shop.test')
  const gardenCode = await code(garden.key, campaigns.short, 'garden.test')
  // The proxy key an advertiser's portal shows it, from the network's own secret.
  const secret = network.services.config.cookieSecret
  const shops = {
    'shop.test': { code: shopCode, proxyKey: proxyKey(secret, shop.id) },
    'pay.shop.test': { code: shopCode, proxyKey: proxyKey(secret, shop.id) },
    'garden.test': { code: gardenCode, proxyKey: proxyKey(secret, garden.id) },
  }
  return {
    network, url, direct, sitePort, advertisers: { shop: shop.id, garden: garden.id },
    publishers: { pub1: publishers.pub1.id, pub2: publishers.pub2.id }, links, sites: { network: url, shops },
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/** Polls until `probe` answers something, or fails naming what it waited for. */
async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined && value !== false) return value
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** `nw_click`'s value: `s:<JSON>.<signature>`, URL-encoded. */
const decodeNetworkCookie = (value: string) => {
  const raw = decodeURIComponent(value)
  const dot = raw.lastIndexOf('.')
  return { json: raw.slice(2, dot), signature: raw.slice(dot + 1), entries: JSON.parse(raw.slice(2, dot)) as Record<string, [string, number, number?]> }
}
/** The same cookie with its JSON changed and its signature kept: what a visitor can forge. */
const forgeNetworkCookie = (value: string, edit: (json: string) => string) => {
  const { json, signature } = decodeNetworkCookie(value)
  return encodeURIComponent(`s:${edit(json)}.${signature}`)
}

/** A request as the network received it: which case's browser sent it, and with which cookies. */
interface Received {
  case: string | undefined
  path: string
  cookie: string | undefined
  /** The browser's own word on it: `cross-site` for a shop page's request straight to the network. */
  site: string | undefined
  mode: string | undefined
  proxied: boolean
}
const caseHeader = 'x-matrix-case'

// ---------------------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------------------

describeWithChromium('attribution matrix in Chromium, on separate hostnames', () => {
  let world: World
  let sites: Server
  const browsers = {} as Record<ThirdPartyCookies, HostBrowser>
  let userAgent = ''
  const received: Received[] = []
  let cases = 0

  beforeAll(async () => {
    sites = createServer(siteHandler(() => world.sites))
    await new Promise<void>((resolve) => sites.listen(0, '127.0.0.1', resolve))
    const sitePort = (sites.address() as AddressInfo).port
    const networkPort = await freePort()
    const network = await startTestNetwork({ PORT: String(networkPort), PUBLIC_URL: `http://net.test:${networkPort}`, NODE_ENV: networkEnv,
      // An in-memory store: each click and hit is a few milliseconds, not a disk write.
      DATA_DIR: 'memory://', ...(networkEnv === 'production' && { COOKIE_SECRET: randomBytes(24).toString('base64url') }),
    }, undefined, { processEvery: 60_000 }) // no job is due while the matrix runs (holdDays 30): no polling
    world = await createWorld(network, sitePort, `http://127.0.0.1:${networkPort}`)
    // What reached the network, seen beside its own handler (which answers as usual).
    network.server.on('request', (req: IncomingMessage) => {
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined)
      received.push({
        case: header(caseHeader), path: req.url ?? '', cookie: header('cookie'),
        site: header('sec-fetch-site'), mode: header('sec-fetch-mode'), proxied: req.headers['x-nw-proxy'] !== undefined,
      })
    })
    // The probe cookie is `SameSite=None; Secure`: net.test must count as a secure origin to keep it (and so
    // must the shops, for the network's Secure cookies in production).
    const secureOrigins = [world.url, ...(networkEnv === 'production' ? ['shop.test', 'pay.shop.test', 'garden.test'].map((h) => `http://${h}:${sitePort}`) : [])]
    const [blocked, allowed] = await Promise.all([launchHostBrowser('blocked', secureOrigins), launchHostBrowser('allowed', secureOrigins)])
    browsers.blocked = blocked
    browsers.allowed = allowed
    // A buyer's browser: headless Chromium's own user agent is rightly counted as a bot's click.
    userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${blocked.browser.version()} Safari/537.36`
  })

  afterAll(async () => {
    await Promise.all(Object.values(ready).map((b) => b?.then((unused) => unused.context.close(), () => undefined)))
    await Promise.all(Object.values(browsers).map((b) => b.close()))
    await world?.network.destroy()
    sites?.closeAllConnections()
    sites?.close()
  })

  const site = (host: string, path: string) => `http://${host}:${world.sitePort}${path}`

  /**
   * A fresh buyer: its own context, with the probe cookie on the network's host, and a header naming the case
   * on every request (set by the browser's network layer, like a user agent: no preflight, no other effect).
   */
  async function newBuyer(setting: ThirdPartyCookies) {
    const id = `case-${++cases}`
    const context = await browsers[setting].browser.newContext({ userAgent, extraHTTPHeaders: { [caseHeader]: id } })
    await context.addCookies([{ name: PROBE, value: '1', domain: 'net.test', path: '/', secure: true, sameSite: 'None', httpOnly: false, expires: -1 }])
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    // The shop's pages' subresource requests straight to the network (pixel, beacon, t.js, the probe image).
    const crossSite = () => received.filter((r) => r.case === id && !r.proxied && r.mode !== 'navigate')
    const proxied = () => received.filter((r) => r.case === id && r.proxied).map((r) => r.path)
    return { context, page, crossSite, proxied, errors }
  }
  type Buyer = Awaited<ReturnType<typeof newBuyer>>
  // The next case's buyer is made while the current case runs (a page's renderer takes a while to start);
  // it has visited nothing, so it is as fresh as one made on demand.
  const ready: Partial<Record<ThirdPartyCookies, Promise<Buyer>>> = {}
  function buyer(setting: ThirdPartyCookies): Promise<Buyer> {
    const next = ready[setting] ?? newBuyer(setting)
    ready[setting] = newBuyer(setting)
    ready[setting].catch(() => undefined)
    return next
  }

  /** Publisher's blog → its tracked link → the landing page, the tracker done with it; returns the click id. */
  async function clickThrough(page: Page, link: string, tracker = true): Promise<string> {
    await page.goto(site('blog.test', `/post?to=${encodeURIComponent(link)}`))
    await Promise.all([page.waitForURL((url) => url.pathname.endsWith('/landing') && url.searchParams.has('nclid')), page.click('#go')])
    if (tracker) await trackerLoaded(page)
    return new URL(page.url()).searchParams.get('nclid') as string
  }

  /** The async tag has run by the load event (it delays it): usually answered at once. */
  const trackerLoaded = (page: Page) =>
    page.waitForFunction(() => (window as { nw?: { loaded?: number } }).nw?.loaded === 1, undefined, { polling: 20 })

  const isHit = (path: string, method: string) => (r: { url(): string; request(): Request }) =>
    new URL(r.url()).pathname.endsWith(path) && r.request().method() === method

  /** Opens a thank-you page and waits for the network to answer its hits. */
  async function thankYou(page: Page, host: string, kind: ThanksKind | 'beacon-then-pixel', mode: Mode, order: string) {
    const url = site(host, `/thanks?kind=${kind === 'beacon-then-pixel' ? 'js' : kind}&mode=${mode}&order=${order}`)
    if (kind === 'js' || kind === 'beacon-then-pixel') {
      const beacon = page.waitForResponse(isHit('/px', 'POST'))
      await page.goto(url)
      await beacon
    }
    if (kind === 'pixel' || kind === 'pixel-then-beacon') {
      const pixel = page.waitForResponse(isHit('/px', 'GET'))
      const beacon = kind === 'pixel-then-beacon' ? page.waitForResponse(isHit('/px', 'POST')) : null
      await page.goto(url)
      await pixel
      await beacon
    }
    if (kind === 'beacon-then-pixel') {
      const pixel = page.waitForResponse(isHit('/px', 'GET'))
      const endpoint = mode === 'fp' ? FP : world.url
      const code = world.sites.shops[host]!.code
      await page.evaluate((img) => document.body.insertAdjacentHTML('beforeend', img), `<img src="${endpoint}/px?t=${code}&amount=19.95&id=${order}" width="1" height="1" alt="">`)
      await pixel
    }
  }

  async function formCheckout(page: Page, mode: Mode, order: string, tag: boolean) {
    await page.goto(site('shop.test', `/checkout?mode=${mode}&order=${order}&tag=${tag ? 1 : 0}`))
    if (tag) await trackerLoaded(page)
    await Promise.all([page.waitForURL(site('shop.test', '/after-form')), page.click('input[type=submit]')])
  }

  /** A real click by another visitor (a browser's user agent, so not a bot's), made without the browser. */
  async function clickElsewhere(link: string): Promise<string> {
    const res = await fetch(link.replace(world.url, world.direct), { redirect: 'manual', headers: { 'user-agent': userAgent } })
    const location = new URL(res.headers.get('location') as string)
    const id = location.searchParams.get('nclid')
    if (id) return id
    // A first-party campaign answers with the handshake, whose signed payload starts with the click id.
    const payload = (location.searchParams.get('h') ?? '').split('.')[0]!
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as string[])[0]!
  }

  const conversionOf = (advertiserId: string, order: string) =>
    eventually(`the conversion of order ${order}`, () => world.network.storage.conversions.getByOrder(advertiserId, order))

  /** nw_click as the browser keeps it for `host` (by domain: cookies(url) hides Secure cookies of http URLs). */
  async function networkCookie(context: BrowserContext, host: string) {
    // The network's own cookie is host-only (net.test); the first-party one is set for the shop's registrable
    // domain (`.shop.test`), so its subdomains send it too.
    return (await context.cookies()).find((c) => c.name === 'nw_click' && (c.domain === host || c.domain === `.${host}`))
  }

  /** Runs one situation; returns the conversions it made and the click ids of pub1 and pub2 in it. */
  async function play(row: Row, setting: ThirdPartyCookies, context: BrowserContext, page: Page) {
    const fp = row.firstParty
    const mode: Mode = fp ? 'fp' : 'plain'
    const order = `M-${setting}-${randomBytes(6).toString('hex')}`
    const last = world.links[fp ? 'fpLast' : 'last']
    const first = world.links[fp ? 'fpFirst' : 'first']
    const clicks: Partial<Record<Publisher, string>> = {}
    const shop = world.advertisers.shop
    const result: { shop?: Conversion; garden?: Conversion } = {}

    switch (row.situation) {
      case 'js call':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      case 'pixel only':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await thankYou(page, 'shop.test', 'pixel', mode, order)
        break
      case 'form (no script)':
      case 'form with the tag':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await formCheckout(page, mode, order, row.situation === 'form with the tag')
        break
      case 'pixel then beacon':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await thankYou(page, 'shop.test', 'pixel-then-beacon', mode, order)
        break
      case 'beacon then pixel':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await thankYou(page, 'shop.test', 'beacon-then-pixel', mode, order)
        break
      case 'thank-you on pay.shop.test, js call':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await thankYou(page, 'pay.shop.test', 'js', mode, order)
        break
      case 'thank-you on pay.shop.test, pixel only':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        await thankYou(page, 'pay.shop.test', 'pixel', mode, order)
        break
      case 'first-click campaign: pub1 then pub2':
        clicks.pub1 = await clickThrough(page, first.pub1!)
        clicks.pub2 = await clickThrough(page, first.pub2!)
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      case 'last-click campaign: pub1 then pub2':
        clicks.pub1 = await clickThrough(page, last.pub1!)
        clicks.pub2 = await clickThrough(page, last.pub2!)
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      case 'per-advertiser expiry: 30-day click, then another advertiser’s 1-day click, 2 days later': {
        clicks.pub1 = await clickThrough(page, world.links.last.pub1!)
        const before = Date.now() / 1000
        clicks.pub2 = await clickThrough(page, world.links.short.pub2!)
        // The network cookie: one entry per advertiser, each with its own campaign's window; the cookie
        // lives as long as the longest (the 1-day click did not cut the 30-day entry's life to a day).
        const cookie = await networkCookie(context, 'net.test')
        expect(cookie, 'the network cookie after both clicks').toBeDefined()
        expect(cookie!.expires - before).toBeGreaterThan(30 * DAY - 120)
        expect(cookie!.expires - before).toBeLessThanOrEqual(30 * DAY + 5)
        const { entries } = decodeNetworkCookie(cookie!.value)
        const [shopClick, shopAt, shopExpires] = entries[shop]!
        const [gardenClick, gardenAt, gardenExpires] = entries[world.advertisers.garden]!
        expect([shopClick, shopExpires! - shopAt]).toEqual([clicks.pub1, 30 * DAY])
        expect([gardenClick, gardenExpires! - gardenAt]).toEqual([clicks.pub2, DAY])
        // Two days pass for the network: both clicks were made 2 days ago.
        await (world.network.storage as PostgresStorage).sql.query(
          "UPDATE clicks SET created_at = created_at - interval '2 days' WHERE id = ANY($1)", [[clicks.pub1, clicks.pub2]],
        )
        const gardenOrder = `${order}-garden`
        await thankYou(page, 'shop.test', 'js', mode, order)
        await thankYou(page, 'garden.test', 'js', mode, gardenOrder)
        result.garden = await conversionOf(world.advertisers.garden, gardenOrder)
        break
      }
      case 'script cookies cleared before the thank-you page (ITP)': {
        clicks.pub1 = await clickThrough(page, last.pub1!)
        expect((await context.cookies(site('shop.test', '/'))).map((c) => c.name)).toContain('_nclid')
        await context.clearCookies({ name: /^_nclid1?$/ })
        const kept = await context.cookies(site('shop.test', '/'))
        expect(kept.filter((c) => c.name.startsWith('_nclid'))).toEqual([])
        // Only HttpOnly (server-set) cookies stay: in first-party mode, the network's on the shop's domain.
        if (fp) expect((await networkCookie(context, 'shop.test'))?.httpOnly, 'the first-party nw_click on shop.test').toBe(true)
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      }
      case 't.js blocked on the landing page': {
        const blocked: string[] = []
        const block = (url: URL) => url.pathname.endsWith('/t.js')
        await context.route(block, (route) => (blocked.push(route.request().url()), route.abort('blockedbyclient')))
        clicks.pub1 = await clickThrough(page, last.pub1!, false)
        await context.unroute(block)
        expect(blocked.length, 't.js requests aborted on the landing page').toBe(1)
        expect((await context.cookies(site('shop.test', '/'))).map((c) => c.name)).not.toContain('_nclid')
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      }
      case 'tampered _nclid: another advertiser’s click id':
      case 'tampered _nclid: an id the network never issued': {
        clicks.pub1 = await clickThrough(page, last.pub1!)
        const value = row.situation.includes('never issued') ? randomBytes(16).toString('base64url') : await clickElsewhere(world.links.short.pub2!)
        const mine = (await context.cookies(site('shop.test', '/'))).filter((c) => c.name.startsWith('_nclid'))
        expect(mine.length).toBeGreaterThan(0)
        await context.addCookies(mine.map((c) => ({ ...c, value })))
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      }
      case 'tampered nw_click: names pub2’s click, _nclid gone': {
        clicks.pub1 = await clickThrough(page, last.pub1!)
        clicks.pub2 = await clickElsewhere(last.pub2!)
        const forged = (await context.cookies()).filter((c) => c.name === 'nw_click')
        expect(forged.length, 'network cookies to tamper with').toBeGreaterThan(0)
        await context.addCookies(forged.map((c) => ({ ...c, value: forgeNetworkCookie(c.value, (json) => json.replace(clicks.pub1!, clicks.pub2!)) })))
        await context.clearCookies({ name: /^_nclid1?$/ })
        await thankYou(page, 'shop.test', 'js', mode, order)
        break
      }
    }
    result.shop = await conversionOf(shop, order)
    return { result, clicks }
  }

  const describeOutcome = (e: Expected) => (e.publisher ? `${e.publisher} earns it` : e.reason)

  for (const setting of ['blocked', 'allowed'] as ThirdPartyCookies[]) {
    // The two columns run side by side (a browser each); a column's cases run one after the other.
    describe(`third-party cookies ${setting}`, { concurrent: true }, () => {
      it.sequential(`the browser applies it: a SameSite=None cookie of net.test is ${setting === 'allowed' ? '' : 'not '}sent on a cross-site request; the network's own (SameSite=${cookieSameSite}) ${networkCookieCrossSite(setting) ? 'is' : 'is not'}`, async () => {
        const { context, page, crossSite } = await buyer(setting)
        try {
          await clickThrough(page, world.links.last.pub1!)
          expect(await networkCookie(context, 'net.test'), 'the network set its cookie at the click').toMatchObject({ sameSite: cookieSameSite, httpOnly: true })
          const probe = crossSite().find((s) => s.path.includes('/healthz?probe'))
          expect(probe, 'the probe image on the landing page').toBeDefined()
          expect(probe!.site).toBe('cross-site')
          expect(cookieValue(probe!.cookie, PROBE)).toBe(setting === 'allowed' ? '1' : undefined)
          expect(cookieValue(probe!.cookie, 'nw_click') !== undefined, 'the network cookie on the probe').toBe(networkCookieCrossSite(setting))
        } finally {
          await context.close()
        }
      })

      it.sequential('first-party mode: the click goes through shop.test/_nw/r and leaves a 30-day HttpOnly nw_click for .shop.test; t.js and the landing call go through the proxy; nothing else answers there', async () => {
        const { context, page, crossSite, proxied } = await buyer(setting)
        try {
          const before = Date.now() / 1000
          const clickId = await clickThrough(page, world.links.fpLast.pub1!)
          expect(proxied().map((path) => path.split('?')[0])).toEqual(expect.arrayContaining(['/r', '/t.js']))
          // The landing call is a beacon: it may still be on its way.
          await eventually('the landing call through the proxy', async () => proxied().includes('/land'))
          const cookie = await networkCookie(context, 'shop.test')
          expect(cookie, 'nw_click on shop.test').toMatchObject({ domain: '.shop.test', path: '/', httpOnly: true, sameSite: cookieSameSite })
          expect(cookie!.expires - before).toBeGreaterThan(30 * DAY - 120)
          expect(cookie!.expires - before).toBeLessThanOrEqual(30 * DAY + 5)
          expect(Object.values(decodeNetworkCookie(cookie!.value).entries).map((entry) => entry[0])).toEqual([clickId])
          expect((await context.cookies(site('shop.test', '/'))).find((c) => c.name === '_nclid')?.value).toBe(clickId)
          // Nothing but the probe image went to the network cross-site.
          expect(crossSite().map((r) => r.path)).toEqual(['/healthz?probe'])
          // Through the shop's domain only tracking answers; a changed handshake lands nowhere and sets nothing.
          expect((await page.goto(site('shop.test', '/_nw/api/v1/me')))?.status(), '/_nw/api/v1/me').toBe(404)
          expect((await page.goto(site('shop.test', '/_nw/portal')))?.status(), '/_nw/portal').toBe(404)
          await context.clearCookies({ name: 'nw_click' })
          const token = new URL(site('shop.test', proxied().find((path) => path.startsWith('/r?'))!)).searchParams.get('h')!
          const changed = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`
          expect((await page.goto(site('shop.test', `/_nw/r?h=${encodeURIComponent(changed)}`)))?.status(), 'a changed handshake').toBe(400)
          expect(await networkCookie(context, 'shop.test'), 'no cookie from a changed handshake').toBeUndefined()
        } finally {
          await context.close()
        }
      })

      table.forEach((row) => {
        const outcome = (networkEnv === 'production' && row.production?.[setting]) || row[setting]
        const expected = outcome.expect
        const gap = row.knownGap
        const name = `${row.situation} — ${row.firstParty ? 'first-party' : 'plain tag'} → ${describeOutcome(expected)}` +
          `${row.garden ? `; the other advertiser: ${describeOutcome(row.garden)}` : ''}${gap ? ` (known gap: ${gap})` : ''}`
        const test = gap && !process.env.MATRIX_GAPS ? it.sequential.fails : it.sequential
        test(name, async () => {
          const { context, page, crossSite, errors } = await buyer(setting)
          try {
            const { result, clicks } = await play(row, setting, context, page)
            const check = (conversion: Conversion | undefined, e: Expected, label: string) => {
              expect(conversion, label).toBeDefined()
              const publisherId = e.publisher ? world.publishers[e.publisher] : null
              expect({ publisherId: conversion!.publisherId, reason: conversion!.reason }, label).toEqual({ publisherId, reason: e.reason })
              if (e.publisher) expect(conversion!.clickId, `${label}: the click of ${e.publisher}`).toBe(clicks[e.publisher])
            }
            check(result.shop, expected, 'the shop’s conversion')
            if (row.garden) check(result.garden, row.garden, 'the garden’s conversion')
            if (outcome.hits) {
              const log = await world.network.storage.requestLog.list({ advertiserId: world.advertisers.shop, limit: 500 })
              const hits = log.filter((entry) => entry.conversionId === result.shop!.id).sort((a, b) => a.at.getTime() - b.at.getTime())
              expect(hits.map((entry) => `${entry.kind}: ${entry.reason}`), 'the request log of the order').toEqual(outcome.hits)
            }
            // Which cookies reached the network cross-site: the probe by the browser's setting; the network's own
            // only when it is SameSite=None (production) and third-party cookies are allowed.
            const sent = crossSite()
            expect(sent.length, 'cross-site requests to the network (the probe image at least)').toBeGreaterThan(0)
            // First-party mode is first-party: every hit went through the shop's proxy.
            if (row.firstParty) expect(sent.map((r) => r.path).filter((path) => path !== '/healthz?probe'), 'hits straight to the network').toEqual([])
            for (const s of sent) {
              expect(s.site, `${s.path}`).toBe('cross-site')
              expect(cookieValue(s.cookie, PROBE), `probe cookie on ${s.path}`).toBe(setting === 'allowed' ? '1' : undefined)
              expect(cookieValue(s.cookie, 'nw_click') !== undefined, `network cookie on ${s.path}`).toBe(networkCookieCrossSite(setting))
            }
            expect(errors).toEqual([])
          } finally {
            await context.close()
          }
        })
      })
    })
  }
})
