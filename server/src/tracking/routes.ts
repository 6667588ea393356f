// The tracking endpoints, on plain node:http ahead of Express: they are the hot paths (every click and every
// pixel), and Express costs several times a bare handler per request.
//   GET  /c/:code    tracked link → click → 302 to the landing URL
//   GET  /px         image pixel → 1×1 GIF, always (the request log says why a hit was ignored)
//   POST /px         the tracker's beacon (form-encoded) → 204
//   POST /conv       the seed-002 HTML form → 303 to the tracking code's redirection URL
//   GET|POST /postback  server to server, click id required, token or HMAC-SHA256 signature → JSON
//   GET  /r          first-party click handshake, through the shop's proxy → cookie on its domain, 302 to landing
//   POST /land       the tracker's landing call through the shop's proxy → the same first-party cookie, 204
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Campaign, Storage, TrackingCode } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import type { ClickRecorder } from './clicks.js'
import type { ConversionIngest, ConversionOutcome } from './conversions.js'
import { clickCookie, readClicks, secureCookies, withClick } from './networkCookie.js'
import { cookieDomain, handshakeMaxAgeSeconds, proxiedFor, proxyHeader, readHandshake } from './firstParty.js'
import { clientAddress, type TrustProxy } from '../trustProxy.js'
import { conversionParams, trackingParams } from './params.js'
import { authenticatePostback } from './postback.js'
import type { RequestLog } from './requestLog.js'
import { hashIp, visitorKey } from './visitor.js'
import type { Hits } from './hits.js'
import { SpoolFullError } from './spool.js'
import { isUnavailable } from '../storage/errors.js'
import { decodeComponent, InputError } from '../input.js'
import { clickIdPattern, newClickId, newId } from '../ids.js'
import { escapeHtml } from '../html.js'
import { csp, fromPage, pageStylesheet, shell } from '../page.js'

export interface TrackingRouteDeps {
  config: Config
  storage: Storage
  logger: Logger
  clicks: ClickRecorder
  ingest: ConversionIngest
  requestLog: RequestLog
  trackingCodes: TtlCache<TrackingCode | null>
  campaigns: TtlCache<Campaign | null>
  hits: Hits
  /** The confirmation page's order call (monetize's browser-order use-case). */
  orders: BrowserOrderSink
}

/** Records an order reported by a shop's confirmation page; refusals are AppErrors (status, code, field). */
export interface BrowserOrderSink {
  notify(visitor: { ipHash: string; userAgent: string | null }, raw: Record<string, string>): Promise<{ created: boolean; order: { externalId: string }; message: { status: string } | null }>
}

const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const noStore = 'no-store, no-cache, must-revalidate, max-age=0'
const maxBody = 16 * 1024
const utf8 = new TextDecoder('utf-8', { fatal: true })

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBody) {
        // Answer at once, but read the rest away so the client sees the 413 rather than a reset.
        req.removeAllListeners('data')
        req.resume()
        reject(new AppError(413, 'too_large', `request body is larger than ${maxBody} bytes`, 'body'))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      try {
        resolve(utf8.decode(Buffer.concat(chunks)))
      } catch {
        reject(new InputError('bad_encoding', 'body'))
      }
    })
    req.on('error', reject)
  })
}

/** Form-encoded (or text/plain from sendBeacon) POST parameters. */
async function formParams(req: IncomingMessage): Promise<Record<string, string>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded' && type !== 'text/plain' && type !== '') {
    throw new AppError(415, 'unsupported_content_type', 'send the parameters as application/x-www-form-urlencoded', 'content-type')
  }
  return trackingParams(await readBody(req))
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': noStore })
  res.end(JSON.stringify(body))
}

function errorJson(res: ServerResponse, error: { status: number; code: string; message: string; field?: string }) {
  json(res, error.status, { error: { code: error.code, message: error.message, ...(error.field && { field: error.field }) } })
}

/** A visitor's page (the one shell and policy); its stylesheet is linked relative to the page, so it also loads through a shop's proxy. */
function page(res: ServerResponse, status: number, title: string, message: string) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': noStore, 'Content-Security-Policy': csp })
  res.end(shell({ title, bodyClass: 'message', stylesheet: fromPage(res.req.url ?? '/', pageStylesheet), body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` }))
}

const conversionJson = (o: ConversionOutcome) => ({
  status: o.created ? 'recorded' : o.upgraded ? 'upgraded' : 'duplicate',
  reason: o.reason,
  conversion: { id: o.conversion.id, orderId: o.conversion.orderId, type: o.conversion.type, status: o.conversion.status, attributed: o.conversion.publisherId !== null },
})

/** Trusts one proxy more than `trust` does: the shop's, whose X-Forwarded-For entry names the visitor. */
const oneMoreHop = (trust: TrustProxy): TrustProxy => {
  let spare = true
  return (address, hop) => trust(address, hop) || (spare && !(spare = false))
}

export function createTrackingRoutes(deps: TrackingRouteDeps) {
  const { config } = deps
  const trustProxy = config.trustProxy
  const secure = secureCookies(config)
  // A shop's proxy with its valid key speaks for its visitor; anything else is the socket's peer under TRUST_PROXY.
  const clientIp = (req: IncomingMessage, trust: TrustProxy): string =>
    req.headers[proxyHeader] !== undefined && proxiedFor(req, config.cookieSecret) ? clientAddress(req, oneMoreHop(trust)) : clientAddress(req, trust)
  const lookupCode = (code: string | undefined) =>
    code ? deps.trackingCodes.get(code, (c) => deps.storage.trackingCodes.getByCode(c)) : Promise.resolve(null)

  /** Malformed input is refused before any hit is made; the request log says which field, for its advertiser. */
  async function rejectInput(req: IncomingMessage, kind: 'click' | 'pixel' | 'form' | 'script', error: InputError, known: { t?: string; code?: string }) {
    const trackingCode = known.t ? await lookupCode(known.t.slice(0, 100)).catch(() => null) : null
    const link = known.code ? await deps.storage.links.getByCode(known.code).catch(() => null) : null
    await deps.requestLog.record({
      kind, outcome: 'rejected', reason: error.code, params: { field: error.field ?? '' },
      ipHash: hashIp(config.cookieSecret, clientIp(req, trustProxy)), userAgent: req.headers['user-agent'] ?? null,
      advertiserId: trackingCode?.advertiserId ?? link?.advertiserId, trackingCodeId: trackingCode?.id, linkId: link?.id,
    }).catch((e: unknown) => deps.logger.warn({ err: e }, 'could not log a malformed request'))
  }

  async function click(req: IncomingMessage, res: ServerResponse, url: URL, code: string) {
    const ip = clientIp(req, trustProxy)
    const userAgent = req.headers['user-agent'] ?? ''
    let decoded: string
    try {
      decoded = decodeComponent(code, 'code')
      trackingParams(url.search.slice(1))
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      await rejectInput(req, 'click', error, { code: code.slice(0, 100) })
      return page(res, 400, 'This link is malformed', `${error.message}. Check the link you followed.`)
    }
    const hit = {
      type: 'click' as const, at: Date.now(), id: newClickId(), logId: newId('req'),
      code: decoded.slice(0, 100),
      query: url.search.slice(1),
      ipHash: hashIp(config.cookieSecret, ip),
      visitorKey: visitorKey(config.cookieSecret, ip, userAgent),
      userAgent,
      referrer: req.headers.referer ?? null,
      cookieClicks: readClicks(req, config.cookieSecret),
    }
    let result
    try {
      result = await deps.hits.click(hit)
    } catch (error) {
      // The store is down and this process has never seen the link (or the spool is full): a visitor's page.
      if (!(error instanceof AppError) || error.status < 500) throw error
      res.setHeader('Retry-After', '5')
      return page(res, 503, 'Please try again in a moment', 'The network is briefly unavailable. Reload this page in a few seconds to reach the offer.')
    }
    if (!result.found) {
      page(res, 404, 'This link is not active', 'The offer you followed is no longer available, or the link was mistyped.')
      return
    }
    res.writeHead(302, { Location: result.location, 'Set-Cookie': result.setCookie, 'Cache-Control': noStore, 'Referrer-Policy': 'no-referrer-when-downgrade' })
    res.end()
  }

  /** Shared by the pixel, the beacon and the form: the tracking code decides the advertiser. */
  // While the store is unreachable the hit is spooled (hits.ts): then `outcome` is null and `trackingCode` is
  // what the cache knows (undefined when nothing).
  function convert(req: IncomingMessage, raw: Record<string, string>, kind: 'pixel' | 'script' | 'form') {
    return deps.hits.conversion({
      type: 'conversion', kind, at: Date.now(), logId: newId('req'), conversionId: newId('cnv'), raw,
      ipHash: hashIp(config.cookieSecret, clientIp(req, trustProxy)), userAgent: req.headers['user-agent'] ?? null,
      cookieClicks: readClicks(req, config.cookieSecret),
    })
  }

  async function pixel(req: IncomingMessage, res: ServerResponse, url: URL) {
    // 200 means kept: stored, spooled, or refused with its reason in the request log. A hit that could not be
    // kept (the store down and the spool full, or a fault) answers 503 — still with the image.
    let status = 200
    try {
      let raw: Record<string, string>
      try {
        raw = trackingParams(url.search.slice(1))
      } catch (error) {
        if (!(error instanceof InputError)) throw error
        status = 400
        await rejectInput(req, 'pixel', error, { t: new URLSearchParams(url.search).get('t') ?? '' })
        throw error
      }
      // The tracker's image fallback carries the order call too.
      if (raw.type === 'order') await browserOrder(req, raw)
      else await convert(req, raw, 'pixel')
    } catch (error) {
      if (!(error instanceof AppError)) deps.logger.error({ err: error }, 'pixel failed')
      if (!(error instanceof AppError) || error.status >= 500) status = 503
      else if (error instanceof InputError) status = 400
    }
    // Always the image: a broken pixel must never show on the advertiser's thank-you page.
    res.writeHead(status, { 'Content-Type': 'image/gif', 'Content-Length': gif.length, 'Cache-Control': noStore, Pragma: 'no-cache', Expires: '0' })
    res.end(gif)
  }

  /** The confirmation page's order call (image or beacon): its policy is the order use-case's. */
  const browserOrder = (req: IncomingMessage, raw: Record<string, string>) =>
    deps.orders.notify({ ipHash: hashIp(config.cookieSecret, clientIp(req, trustProxy)), userAgent: req.headers['user-agent'] ?? null }, raw)

  async function beacon(req: IncomingMessage, res: ServerResponse) {
    const cors = { 'Access-Control-Allow-Origin': req.headers.origin ?? '*', 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
    try {
      const raw = await formParams(req)
      if (raw.type === 'order') {
        const result = await browserOrder(req, raw)
        res.writeHead(202, { ...cors, 'Content-Type': 'application/json', 'Cache-Control': noStore })
        res.end(JSON.stringify({ status: result.created ? 'recorded' : 'duplicate', order: { orderId: result.order.externalId }, message: result.message && { status: result.message.status } }))
        return
      }
      const { outcome } = await convert(req, raw, 'script')
      res.writeHead(202, { ...cors, 'Content-Type': 'application/json', 'Cache-Control': noStore })
      // Spooled: durably kept, stored (or refused, with the reason in the request log) when the store returns.
      res.end(JSON.stringify(outcome ? conversionJson(outcome) : { status: 'accepted', reason: 'spooled' }))
    } catch (error) {
      res.setHeader('Access-Control-Allow-Origin', cors['Access-Control-Allow-Origin'])
      res.setHeader('Access-Control-Allow-Credentials', 'true')
      if (error instanceof AppError) errorJson(res, error)
      else throw error
    }
  }

  async function form(req: IncomingMessage, res: ServerResponse) {
    let raw: Record<string, string>
    try {
      raw = await formParams(req)
    } catch (error) {
      if (error instanceof InputError) await rejectInput(req, 'form', error, {})
      if (error instanceof AppError) return page(res, error.status, 'This order could not be confirmed to the network', error.message)
      throw error
    }
    let code: TrackingCode | null | undefined
    try {
      code = (await convert(req, raw, 'form')).trackingCode
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      code = await lookupCode(conversionParams(raw).code?.slice(0, 100)).catch(() => undefined)
      // Unknown code: nowhere to send the buyer. A known code with bad data: the buyer has paid, so they
      // still reach the thank-you page; the request log tells the advertiser what was wrong.
      if (!code?.redirectUrl || code.status !== 'active' || error instanceof SpoolFullError) {
        return page(res, error.status >= 500 ? error.status : 400, 'This order could not be confirmed to the network', `${error.message}. Please tell the shop.`)
      }
    }
    if (!code?.redirectUrl) return page(res, 200, 'Thank you', 'Your order has been recorded.')
    res.writeHead(303, { Location: code.redirectUrl, 'Cache-Control': noStore })
    res.end()
  }

  async function postback(req: IncomingMessage, res: ServerResponse, url: URL) {
    const raw = req.method === 'POST' ? await formParams(req) : trackingParams(url.search.slice(1))
    const params = conversionParams(raw)
    const ipHash = hashIp(config.cookieSecret, clientIp(req, trustProxy))
    const userAgent = req.headers['user-agent'] ?? null
    const trackingCode = await lookupCode(params.code?.slice(0, 100))
    const refuse = async (status: number, reason: string, message: string, field: string) => {
      await deps.requestLog.record({ kind: 'postback', outcome: 'rejected', reason, params: raw, ipHash, userAgent, advertiserId: trackingCode?.advertiserId, trackingCodeId: trackingCode?.id })
      errorJson(res, { status, code: reason, message, field })
    }
    if (!trackingCode || trackingCode.status !== 'active') return refuse(404, 'unknown_code', 't (the tracking code) is unknown or paused', 't')
    const auth = authenticatePostback(trackingCode.postbackSecret, raw, params)
    if (auth) return refuse(401, auth.reason, auth.message, auth.field)
    if (!params.clickId) return refuse(400, 'missing_click_id', 'nclid (the click id) is required for a postback', 'nclid')
    const outcome = await deps.ingest({ source: 'postback', kind: 'postback', advertiserId: trackingCode.advertiserId, trackingCode, params, cookieClicks: {}, raw, ipHash, userAgent })
    json(res, outcome.created ? 201 : 200, conversionJson(outcome))
  }

  /**
   * The first-party handshake: a click on a campaign with a first-party path lands here, through the shop's
   * proxy, so the cookie set here is a server-set, HttpOnly cookie of the shop's own domain. The token is
   * signed, so its landing URL is one the click chose (no open redirect).
   */
  function handshake(req: IncomingMessage, res: ServerResponse, url: URL) {
    const token = url.searchParams.get('h')
    const h = token ? readHandshake(config.cookieSecret, token) : null
    if (!h) return page(res, 400, 'This link is malformed', 'The link you followed was changed on the way. Follow the original link again.')
    const now = Math.floor(Date.now() / 1000)
    const headers: Record<string, string> = { Location: h.location, 'Cache-Control': noStore, 'Referrer-Policy': 'no-referrer-when-downgrade' }
    if (now - h.clickedAt <= handshakeMaxAgeSeconds && h.expiresAt > now) {
      const clicks = withClick(readClicks(req, config.cookieSecret), h.advertiserId, [h.clickId, h.clickedAt, h.expiresAt], h.firstClick, now)
      // /r is on the landing site itself (the handshake chose it), so its registrable domain always matches.
      headers['Set-Cookie'] = clickCookie(clicks, config.cookieSecret, secure, now, cookieDomain(h.location))
    }
    res.writeHead(302, headers)
    res.end()
  }

  /**
   * The tracker's landing call (`nclid` from the landing URL), through the shop's proxy when the shop has no
   * first-party path on the campaign: the network keeps the click it knows in the same first-party cookie.
   * Always 204: the page needs nothing back; the click id only ever enters the cookie as the network's own.
   */
  async function land(req: IncomingMessage, res: ServerResponse) {
    const headers: Record<string, string> = { 'Cache-Control': noStore }
    try {
      const raw = await formParams(req)
      const clickId = raw.nclid
      const click = clickId && clickIdPattern.test(clickId) ? await deps.storage.clicks.get(clickId) : null
      const campaign = click && !click.bot ? await deps.campaigns.get(click.campaignId, (id) => deps.storage.campaigns.get(id)) : null
      const now = Math.floor(Date.now() / 1000)
      const clickedAt = click ? Math.floor(click.createdAt.getTime() / 1000) : 0
      const expiresAt = campaign ? clickedAt + campaign.cookieWindowDays * 86_400 : 0
      if (click && campaign && expiresAt > now) {
        const clicks = withClick(readClicks(req, config.cookieSecret), click.advertiserId, [click.id, clickedAt, expiresAt], campaign.attribution === 'first_click', now)
        // The page that called: its Origin (a beacon's POST carries it), else its Referer; neither, host-only.
        const page = req.headers.origin && req.headers.origin !== 'null' ? req.headers.origin : req.headers.referer
        headers['Set-Cookie'] = clickCookie(clicks, config.cookieSecret, secure, now, cookieDomain(page))
      } else headers['X-Nw-Reason'] = !click ? 'unknown_click' : click.bot ? 'bot_click' : 'expired_window'
    } catch (error) {
      // A landing call never fails the page; the click id is still in the tracker's own cookie.
      if (!(error instanceof AppError) && !isUnavailable(error)) deps.logger.warn({ err: error }, 'landing call failed')
      headers['X-Nw-Reason'] = 'not_kept'
    }
    res.writeHead(204, headers)
    res.end()
  }

  /** Handles the request when it is a tracking endpoint; false lets the application take it. */
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = req.url ?? '/'
    // Routed by the path alone: the query may hold anything, slashes included (`id=2024/0002`, `ref=https://…`).
    const query = path.indexOf('?')
    const pathname = query === -1 ? path : path.slice(0, query)
    const slash = pathname.indexOf('/', 1)
    const head = slash === -1 ? pathname : pathname.slice(0, slash)
    let run: ((url: URL) => Promise<void>) | null = null
    if (head === '/c' && req.method === 'GET') {
      run = (url) => click(req, res, url, url.pathname.slice(3))
    } else if (head === '/px') {
      if (req.method === 'GET' || req.method === 'HEAD') run = (url) => pixel(req, res, url)
      else if (req.method === 'POST') run = () => beacon(req, res)
      else if (req.method === 'OPTIONS') run = async () => {
        res.writeHead(204, { 'Access-Control-Allow-Origin': req.headers.origin ?? '*', 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Credentials': 'true', 'Access-Control-Max-Age': '86400' })
        res.end()
      }
    } else if (head === '/conv' && req.method === 'POST') {
      run = () => form(req, res)
    } else if (head === '/postback' && (req.method === 'GET' || req.method === 'POST')) {
      run = (url) => postback(req, res, url)
    } else if (pathname === '/r' && req.method === 'GET') {
      run = async (url) => handshake(req, res, url)
    } else if (pathname === '/land' && req.method === 'POST') {
      run = () => land(req, res)
    }
    if (!run) return false
    const url = new URL(path, 'http://network')
    run(url).catch((error: unknown) => {
      if (res.headersSent) return
      if (error instanceof AppError) return errorJson(res, error)
      if (isUnavailable(error)) {
        // Only what cannot be spooled gets here (postbacks, orders): their callers can retry.
        res.setHeader('Retry-After', '5')
        return errorJson(res, { status: 503, code: 'store_unavailable', message: 'the network is briefly unavailable; retry in a few seconds' })
      }
      deps.logger.error({ err: error, path: url.pathname }, 'tracking request failed')
      errorJson(res, { status: 500, code: 'internal', message: 'internal error' })
    })
    return true
  }
}
