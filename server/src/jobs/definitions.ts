// Every background job of the product, in one place: its name, what it does and how it repeats.
import { backoffStrategies, type Agenda } from 'agenda'
import type { Services } from '../services.js'
import { approveDueJob } from '../conversions/lifecycle.js'
import { maxSendAttempts, offerEmailJob } from '../monetize/index.js'
import { reattributeJob } from '../revenue/index.js'
import { signatureMaxAgeMs } from '../revenue/mailgun.js'

export const JobName = {
  /** Approves the conversions due by then; scheduled, once per few seconds of due times, as they are recorded. */
  approveDueAt: approveDueJob,
  /** The same every ten minutes: the safety net for a schedule that was lost. */
  approveDue: 'conversions.approve-due',
  purgeRequestLog: 'request-log.purge',
  /** Sends one offer email; queued at order notification to run at once. */
  sendOfferEmail: offerEmailJob,
  /** Marks sends that died mid-way as failed (never resent: no second email). */
  expireInterruptedSends: 'offer-email.expire-interrupted',
  /** Clears buyer addresses on orders and messages after the retention period. */
  forgetBuyers: 'buyer-data.forget',
  /** Re-attributes an account's orders to messages after its revenue settings changed; queued to run at once. */
  reattributeRevenue: reattributeJob,
  /** Forgets Mailgun webhook tokens older than any signature still accepted. */
  purgeWebhookTokens: 'revenue.purge-webhook-tokens',
  /** Refreshes the planner's statistics of the revenue tables (the embedded store has no autovacuum). */
  refreshRevenueStatistics: 'revenue.refresh-statistics',
  /** Deletes portal sessions that expired (signed-out ones are deleted at once), and ended rate-limit windows. */
  purgeSessions: 'portal.purge-sessions',
} as const

export async function defineJobs(agenda: Agenda, services: Services): Promise<void> {
  const { storage, logger, lifecycle, config, monetize, revenue } = services
  agenda.define(JobName.approveDueAt, async () => {
    const approved = await lifecycle.approveDue()
    if (approved) logger.info({ approved }, 'conversions approved')
  }, { backoff: backoffStrategies.exponential({ delay: 5_000, maxRetries: 8 }) })
  agenda.define(JobName.approveDue, async () => {
    const approved = await lifecycle.approveDue()
    if (approved) logger.info({ approved }, 'due conversions approved')
  })
  agenda.define(JobName.purgeRequestLog, async () => {
    const before = new Date(Date.now() - config.REQUEST_LOG_RETENTION_DAYS * 86_400_000)
    const removed = await storage.requestLog.purgeBefore(before)
    logger.info({ removed, before }, 'request log purged')
  })
  agenda.define<{ messageId: string }>(JobName.sendOfferEmail, async (job) => {
    const message = await monetize.sendOfferEmail(job.attrs.data.messageId)
    if (message) logger.info({ messageId: message.id, status: message.status }, 'offer email handled')
    // An order of this buyer stored before the send finished may belong to the message now. Not retried: the
    // email went out, and the next event of the message (or of the buyer) attributes again.
    if (message?.status === 'sent') await revenue.messageSent(message).catch((err) => logger.warn({ err, messageId: message.id }, 'revenue attribution after send failed'))
  }, { backoff: backoffStrategies.exponential({ delay: 1_000, maxRetries: maxSendAttempts }), concurrency: 10 })
  agenda.define(JobName.expireInterruptedSends, async () => {
    const expired = await monetize.expireInterruptedSends()
    if (expired) logger.warn({ expired }, 'interrupted offer emails marked failed')
  })
  agenda.define(JobName.forgetBuyers, async () => {
    const before = new Date(Date.now() - config.BUYER_DATA_RETENTION_DAYS * 86_400_000)
    const orders = await storage.orders.forgetBefore(before)
    const messages = await storage.messages.forgetBefore(before)
    const conversions = await storage.conversions.forgetBefore(before)
    logger.info({ orders, messages, conversions, before }, 'buyer data forgotten')
  })
  agenda.define<{ accountId: string }>(JobName.reattributeRevenue, async (job) => {
    const written = await revenue.reattribute(job.attrs.data.accountId)
    logger.info({ accountId: job.attrs.data.accountId, written }, 'revenue re-attributed after a settings change')
  }, { backoff: backoffStrategies.exponential({ delay: 5_000, maxRetries: 5 }) })
  agenda.define(JobName.purgeWebhookTokens, async () => {
    // Twice the accepted signature age: a token older than that can only come with a refused timestamp.
    await storage.webhookTokens.purgeBefore(new Date(Date.now() - 2 * signatureMaxAgeMs))
  })
  agenda.define(JobName.refreshRevenueStatistics, async () => {
    await storage.attributions.refreshStatistics()
  })
  agenda.define(JobName.purgeSessions, async () => {
    const removed = await storage.sessions.purgeExpired(new Date())
    if (removed) logger.info({ removed }, 'expired portal sessions purged')
    // Ended rate-limit windows (failed sign-ins and API keys, browser orders) go with them.
    const windows = await storage.rateLimits.purge(new Date())
    if (windows) logger.info({ removed: windows }, 'ended rate-limit windows purged')
  })
  await agenda.every('10 minutes', JobName.approveDue)
  await agenda.every('1 minute', JobName.expireInterruptedSends)
  await agenda.every('1 day', JobName.forgetBuyers)
  await agenda.every('1 day', JobName.purgeRequestLog)
  await agenda.every('1 hour', JobName.purgeWebhookTokens)
  // At night by the clock, not at every start as an interval would: on a large embedded store it holds the database for seconds.
  await agenda.every('30 3 * * *', JobName.refreshRevenueStatistics)
  await agenda.every('1 day', JobName.purgeSessions)
}
