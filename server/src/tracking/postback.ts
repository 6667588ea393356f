// F4: a server-to-server postback proves it comes from the advertiser with the tracking code's postback secret
// — sent as `token`, or used as the key of `signature` = hex HMAC-SHA256(secret, "t|id|amount|currency|nclid|ts")
// over the parameters as sent (an absent one is empty), `ts` the Unix time in seconds, refused when older or
// newer than five minutes (a captured postback cannot be replayed later).
import { createHmac } from 'node:crypto'
import { sameSecret } from '../secrets.js'
import type { ConversionParams } from './params.js'

/** Postback signatures further than this from the network's clock are refused (replay protection). */
export const signatureMaxAgeSeconds = 300

export interface PostbackRefusal {
  reason: 'bad_token' | 'stale_signature' | 'bad_signature' | 'unauthenticated'
  message: string
  field: 'token' | 'ts' | 'signature'
}

/** The signature a postback of these parameters carries at `ts` (as the README's and the portal's snippets make it). */
export function postbackSignature(secret: string, p: ConversionParams, ts: string): string {
  return createHmac('sha256', secret).update([p.code, p.orderId, p.amount, p.currency, p.clickId, ts].map((v) => v ?? '').join('|')).digest('hex')
}

/** Null when the postback is the advertiser's; else why not, and the field to fix. A token, when sent, decides. */
export function authenticatePostback(secret: string, raw: Record<string, string>, p: ConversionParams, now = Date.now()): PostbackRefusal | null {
  if (raw.token !== undefined) {
    return sameSecret(raw.token, secret) ? null : { reason: 'bad_token', message: 'token does not match the tracking code’s postback secret', field: 'token' }
  }
  if (raw.signature !== undefined) {
    const ts = Number(raw.ts)
    if (!Number.isInteger(ts) || Math.abs(now / 1000 - ts) > signatureMaxAgeSeconds) {
      return { reason: 'stale_signature', message: `ts must be the current Unix time in seconds (±${signatureMaxAgeSeconds} s)`, field: 'ts' }
    }
    return sameSecret(raw.signature.toLowerCase(), postbackSignature(secret, p, raw.ts as string)) ? null : { reason: 'bad_signature', message: 'signature does not match', field: 'signature' }
  }
  return { reason: 'unauthenticated', message: 'send token or signature', field: 'token' }
}
