// The network's own cookie, set at click time on the network's domain: for each advertiser, the click that
// should get credit. Signed (cookie-parser's format), so a visitor cannot forge another publisher's click.
import { parse, serialize } from 'cookie'
import signature from 'cookie-signature'
import type { IncomingMessage } from 'node:http'

const networkCookieName = 'nw_click'
const maxAdvertisers = 20

/**
 * advertiserId → [clickId, clicked at, expires at] in epoch seconds. Each advertiser's entry keeps the window
 * of its own campaign; cookies written before entries had an expiry get the longest common window.
 */
export type ClickMap = Record<string, [string, number] | [string, number, number]>

const legacyWindowSeconds = 30 * 86_400
export const expiresAt = (entry: ClickMap[string]) => entry[2] ?? entry[1] + legacyWindowSeconds

export function readClicks(req: IncomingMessage, secret: string): ClickMap {
  const header = req.headers.cookie
  if (!header || !header.includes(networkCookieName)) return {}
  const raw = parse(header)[networkCookieName]
  if (!raw?.startsWith('s:')) return {}
  const value = signature.unsign(raw.slice(2), secret)
  if (value === false) return {}
  try {
    const parsed = JSON.parse(value) as unknown
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {}
    // Entries past their own campaign's window are gone, whatever the cookie's lifetime.
    const now = Date.now() / 1000
    return Object.fromEntries(Object.entries(parsed as ClickMap).filter(([, entry]) => Array.isArray(entry) && expiresAt(entry) > now))
  } catch {
    return {}
  }
}

/**
 * The advertiser's entry after a click: last click replaces it; first click keeps a live earlier one. The
 * same rule at the click (the network's own domain) and at the first-party handshake (the shop's domain).
 */
export function withClick(clicks: ClickMap, advertiserId: string, entry: [string, number, number], firstClick: boolean, now: number): ClickMap {
  const earlier = clicks[advertiserId]
  if (firstClick && earlier && expiresAt(earlier) > now) return clicks
  return { ...clicks, [advertiserId]: entry }
}

/** The cookie lives as long as its longest-lived entry; a short campaign's click never expires the others. */
/**
 * Secure (and SameSite=None, so that it rides on the shop's cross-site pixels and beacons) wherever the
 * network is served over https — not only when NODE_ENV says production, or an https staging network would
 * silently lose the cookie on every cross-site hit.
 */
export const secureCookies = (config: { NODE_ENV: string; publicUrl: string }) => config.NODE_ENV === 'production' || config.publicUrl.startsWith('https:')

/** `domain`: in first-party mode, the shop's registrable domain, so every subdomain of the shop sends it. */
export function clickCookie(clicks: ClickMap, secret: string, secure: boolean, now = Date.now() / 1000, domain?: string): string {
  // Keep the most recent advertisers only, so the cookie stays small.
  const entries = Object.entries(clicks).filter(([, e]) => expiresAt(e) > now).sort((a, b) => b[1][1] - a[1][1]).slice(0, maxAdvertisers)
  const value = `s:${signature.sign(JSON.stringify(Object.fromEntries(entries)), secret)}`
  return serialize(networkCookieName, value, {
    path: '/',
    httpOnly: true,
    maxAge: Math.max(0, Math.ceil(Math.max(0, ...entries.map(([, e]) => expiresAt(e) - now)))),
    // Sent on the advertiser's pixel requests, which are third-party from the network's point of view.
    sameSite: secure ? 'none' : 'lax',
    secure,
    ...(domain && { domain }),
  })
}
