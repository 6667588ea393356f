// Mailgun webhooks: what a payload must look like, how its signature is checked, and which of its events
// become message events. https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks
import { createHmac } from 'node:crypto'
import { sameSecret } from '../secrets.js'
import type { MessageEventType } from '../storage/types.js'

/** A signature older (or further in the future) than this is refused: a captured request cannot be replayed later. */
export const signatureMaxAgeMs = 15 * 60_000

export interface MailgunSignature {
  timestamp: string
  token: string
  signature: string
}

export interface MailgunEvent {
  /** Mailgun's event id: a retried delivery carries the same one. */
  id: string
  event: string
  at: Date
  /** Mailgun's Message-Id header, without angle brackets. */
  providerMessageId: string | null
  /** The `v:message` variable the network sent with the email: its own message id. */
  messageId: string | null
  recipient: string | null
  /** `permanent` or `temporary`, for failures. */
  severity: string | null
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
function text(v: unknown, max = 500): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : null
}

/** The signature block, or null when it is missing or not shaped like Mailgun's. */
export function signatureOf(body: unknown): MailgunSignature | null {
  const s = isObject(body) && isObject(body.signature) ? body.signature : null
  const timestamp = s && (typeof s.timestamp === 'number' ? String(s.timestamp) : text(s.timestamp, 20))
  const token = s && text(s.token, 200)
  const signature = s && text(s.signature, 200)
  if (!timestamp || !/^\d{1,15}$/.test(timestamp) || !token || !signature) return null
  return { timestamp, token, signature }
}

/** HMAC-SHA256 of timestamp + token with the webhook signing key, compared in constant time. */
export function verifySignature(key: string, s: MailgunSignature): boolean {
  return sameSecret(s.signature.toLowerCase(), createHmac('sha256', key).update(s.timestamp + s.token).digest('hex'))
}

export function signatureAgeMs(s: MailgunSignature, now: Date): number {
  return Math.abs(now.getTime() - Number(s.timestamp) * 1000)
}

/** The event block, or null when it lacks what any event has (an id, a type, a time). */
export function eventOf(body: unknown): MailgunEvent | null {
  const e = isObject(body) && isObject(body['event-data']) ? body['event-data'] : null
  if (!e) return null
  const id = text(e.id, 200)
  const event = text(e.event, 50)
  const seconds = typeof e.timestamp === 'number' ? e.timestamp : typeof e.timestamp === 'string' ? Number(e.timestamp) : Number.NaN
  if (!id || !event || !Number.isFinite(seconds) || seconds <= 0) return null
  const headers = isObject(e.message) && isObject(e.message.headers) ? e.message.headers : {}
  const variables = isObject(e['user-variables']) ? e['user-variables'] : {}
  const providerMessageId = text(headers['message-id'])
  return {
    id,
    event,
    at: new Date(Math.round(seconds * 1000)),
    providerMessageId: providerMessageId && providerMessageId.trim().replace(/^<(.*)>$/, '$1'),
    messageId: text(variables.message, 100),
    recipient: text(e.recipient, 254)?.toLowerCase() ?? null,
    severity: text(e.severity, 20),
  }
}

/**
 * Mailgun's event → our message event. `accepted` is Mailgun taking the message: it was sent. A temporary
 * failure is followed by Mailgun's own retries, so only a permanent one is a failure. Anything else
 * (unsubscribed, complained, stored…) is not part of revenue attribution.
 */
export function eventType(e: MailgunEvent): MessageEventType | null {
  switch (e.event) {
    case 'accepted':
      return 'sent'
    case 'delivered':
    case 'opened':
    case 'clicked':
      return e.event
    case 'failed':
      return e.severity === 'temporary' ? null : 'failed'
    default:
      return null
  }
}
