// The network's own cookie, set at click time on the network's domain: for each advertiser, the click that
// should get credit. Signed (cookie-parser's format), so a visitor cannot forge another publisher's click.
import { parse, serialize } from 'cookie'
import signature from 'cookie-signature'
import type { IncomingMessage } from 'node:http'

export const networkCookieName = 'nw_click'
const maxAdvertisers = 20

/** advertiserId → [clickId, clicked at in epoch seconds] */
export type ClickMap = Record<string, [string, number]>

export function readClicks(req: IncomingMessage, secret: string): ClickMap {
  const header = req.headers.cookie
  if (!header || !header.includes(networkCookieName)) return {}
  const raw = parse(header)[networkCookieName]
  if (!raw?.startsWith('s:')) return {}
  const value = signature.unsign(raw.slice(2), secret)
  if (value === false) return {}
  try {
    const parsed = JSON.parse(value) as unknown
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ClickMap) : {}
  } catch {
    return {}
  }
}

export function clickCookie(clicks: ClickMap, secret: string, maxAgeSeconds: number, secure: boolean): string {
  // Keep the most recent advertisers only, so the cookie stays small.
  const entries = Object.entries(clicks).sort((a, b) => b[1][1] - a[1][1]).slice(0, maxAdvertisers)
  const value = `s:${signature.sign(JSON.stringify(Object.fromEntries(entries)), secret)}`
  return serialize(networkCookieName, value, {
    path: '/',
    httpOnly: true,
    maxAge: maxAgeSeconds,
    // Sent on the advertiser's pixel requests, which are third-party from the network's point of view.
    sameSite: secure ? 'none' : 'lax',
    secure,
  })
}
