// Where emails go: Mailgun through mailgun.js when a key is configured, else the local outbox (a page shows
// it), so a demo displays the email that would have been sent. Failures are classified for retries.
import Mailgun from 'mailgun.js'
import type { Config } from '../config.js'
import { newId } from '../ids.js'
import type { Storage } from '../storage/types.js'

export interface Email {
  messageId: string
  from: string
  to: string
  replyTo: string
  subject: string
  html: string
  text: string
  tags: string[]
  /** Custom variables, sent as Mailgun `v:` fields and returned in its webhooks. */
  variables: Record<string, string>
  unsubscribeUrl: string
}

export interface Mailer {
  readonly name: 'mailgun' | 'outbox'
  /** The address offer emails come from (the shop's name is put in front of it). */
  readonly fromAddress: string
  /** Resolves with the provider's message id. Throws SendError. */
  send(email: Email): Promise<{ providerId: string }>
}

/** `transient`: worth retrying (5xx, 429, timeouts, network); otherwise permanent (bad address, auth…). */
export class SendError extends Error {
  constructor(message: string, readonly transient: boolean, readonly status?: number) {
    super(message)
    this.name = 'SendError'
  }
}

export function createMailer(config: Config, storage: Storage): Mailer {
  if (config.MAILGUN_API_KEY && config.MAILGUN_DOMAIN) return mailgunMailer(config.MAILGUN_API_KEY, config.MAILGUN_DOMAIN, config.MAILGUN_URL)
  return outboxMailer(storage, `offers@${new URL(config.publicUrl).hostname}`)
}

export function mailgunMailer(key: string, domain: string, url: string, timeoutMs = 10_000): Mailer {
  // Node's own fetch rather than axios's http adapter: one HTTP stack fewer. The errors of an unanswered request
  // read differently per adapter; sendErrorOf's stored words are fetch's (test/monetize/mailer.test.ts pins them).
  const client = new Mailgun(FormData).client({ username: 'api', key, url, timeout: timeoutMs, useFetch: true })
  return {
    name: 'mailgun',
    fromAddress: `offers@${domain}`,
    async send(email) {
      try {
        const result = await client.messages.create(domain, {
          from: email.from,
          to: [email.to],
          subject: email.subject,
          html: email.html,
          text: email.text,
          'o:tag': email.tags,
          'h:Reply-To': email.replyTo,
          'h:List-Unsubscribe': `<${email.unsubscribeUrl}>`,
          'h:List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          ...Object.fromEntries(Object.entries(email.variables).map(([name, value]) => [`v:${name}`, value])),
        })
        return { providerId: result.id ?? '' }
      } catch (error) {
        throw sendErrorOf(error)
      }
    },
  }
}

/**
 * mailgun.js (v14) reports a request that got no answer — refused, reset, timed out — as status 400 with the
 * HTTP client's error code as its message (`status: response?.status || 400, statusText: response?.statusText ||
 * code`), and an answer as its status with the status text (or `error`) as its message and the body's message as
 * `details`. Without this, an unreachable Mailgun would look like a refused address, and the email be given up.
 */
const noAnswer = /^(E[A-Z]+|ERR_NETWORK|ERR_CANCELED)$/

export function sendErrorOf(error: unknown): SendError {
  const e = (error ?? {}) as { status?: unknown; message?: unknown; details?: unknown }
  const message = typeof e.message === 'string' ? e.message : ''
  const details = typeof e.details === 'string' && e.details !== message ? e.details : ''
  const status = typeof e.status === 'number' && e.status > 0 && !noAnswer.test(message) ? e.status : undefined
  const said = [message, details].filter(Boolean).join(': ')
  if (status === undefined) return new SendError(`mailgun: no response${said ? ` (${said})` : ''}`, true)
  return new SendError(`mailgun: ${status}${said ? ` ${said}` : ''}`, status === 408 || status === 429 || status >= 500, status)
}

export function outboxMailer(storage: Storage, fromAddress: string): Mailer {
  return {
    name: 'outbox',
    fromAddress,
    async send(email) {
      const stored = await storage.outbox.add({
        id: newId('out'), messageId: email.messageId, from: email.from, to: email.to, subject: email.subject, html: email.html, text: email.text,
        headers: { 'Reply-To': email.replyTo, 'List-Unsubscribe': `<${email.unsubscribeUrl}>`, 'X-Tags': email.tags.join(', ') },
      })
      return { providerId: stored.id }
    },
  }
}
