// First-party mode: the shop maps a path of its own site (e.g. /_nw) to the network with one reverse-proxy
// rule. Through it the network sets its cookie as a server-set, HttpOnly cookie of the shop's own domain, which
// neither blocked third-party cookies nor Safari's 7-day cap on script-set cookies touch.
import { createHmac } from 'node:crypto'
import { sameSecret } from '../secrets.js'
import type { IncomingMessage } from 'node:http'
import { getDomain } from 'tldts'

/** The header a shop's proxy adds: its advertiser's proxy key. */
export const proxyHeader = 'x-nw-proxy'

const mac = (secret: string, advertiserId: string) => createHmac('sha256', secret).update(`proxy:${advertiserId}`).digest('base64url').slice(0, 22)

/** `<advertiserId>.<mac>`: stateless, so the hot path checks it without the store. */
export const proxyKey = (secret: string, advertiserId: string): string => `${advertiserId}.${mac(secret, advertiserId)}`

/** The advertiser whose proxy forwarded the request, or null (no header, or a key that does not verify). */
export function proxiedFor(req: IncomingMessage, secret: string): string | null {
  const header = req.headers[proxyHeader]
  if (typeof header !== 'string') return null
  const dot = header.lastIndexOf('.')
  if (dot <= 0) return null
  const advertiserId = header.slice(0, dot)
  return sameSecret(header.slice(dot + 1), mac(secret, advertiserId)) ? advertiserId : null
}

/** What a click hands to the shop's proxy path: enough to set the cookie and land, signed so nothing can be changed. */
export interface Handshake {
  clickId: string
  advertiserId: string
  /** Epoch seconds. */
  clickedAt: number
  expiresAt: number
  firstClick: boolean
  /** The landing URL with the click id, as the click would have redirected without first-party mode. */
  location: string
}

/** A handshake older than this still lands the visitor, but no longer sets the cookie (a bookmarked /r URL). */
export const handshakeMaxAgeSeconds = 3_600

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(`handshake:${payload}`).digest('base64url').slice(0, 22)

export function handshakeToken(secret: string, h: Handshake): string {
  const payload = Buffer.from(JSON.stringify([h.clickId, h.advertiserId, h.clickedAt, h.expiresAt, h.firstClick ? 1 : 0, h.location])).toString('base64url')
  return `${payload}.${sign(secret, payload)}`
}

/** The handshake a token carries, or null when it was not signed by this network (or is malformed). */
export function readHandshake(secret: string, token: string): Handshake | null {
  const dot = token.indexOf('.')
  if (dot <= 0) return null
  const payload = token.slice(0, dot)
  if (!sameSecret(token.slice(dot + 1), sign(secret, payload))) return null
  try {
    const [clickId, advertiserId, clickedAt, expiresAt, firstClick, location] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[]
    if (typeof clickId !== 'string' || typeof advertiserId !== 'string' || typeof clickedAt !== 'number' || typeof expiresAt !== 'number' || typeof location !== 'string') return null
    return { clickId, advertiserId, clickedAt, expiresAt, firstClick: firstClick === 1, location }
  } catch {
    return null
  }
}

/** Where a click on a first-party campaign goes: the landing site's own proxy path, then the landing URL. */
export function handshakeUrl(secret: string, path: string, h: Handshake): string {
  const url = new URL(path.replace(/\/$/, '') + '/r', new URL(h.location).origin)
  url.searchParams.set('h', handshakeToken(secret, h))
  return url.href
}

/**
 * The shop's registrable domain for the first-party cookie (`pay.shop.example` → `shop.example`, by the public
 * suffix list), so a thank-you page on another subdomain sends it too; undefined (a host-only cookie) for an IP
 * address, a single label such as localhost, or anything unparseable.
 */
export function cookieDomain(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return getDomain(new URL(url).hostname) ?? undefined
  } catch {
    return undefined
  }
}
