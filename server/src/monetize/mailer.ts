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
        const status = (error as { status?: number }).status
        const transient = status === undefined || status === 0 || status === 408 || status === 429 || status >= 500
        throw new SendError(`mailgun: ${status ?? 'no response'} ${(error as Error).message ?? ''}`.trim(), transient, status)
      }
    },
  }
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
