// Every background job of the product, in one place: its name, what it does and how it repeats.
import { backoffStrategies, type Agenda } from 'agenda'
import type { Services } from '../services.js'
import { approveJob } from '../tracking/lifecycle.js'
import { maxSendAttempts, offerEmailJob } from '../monetize/index.js'

export const JobName = {
  /** Approves one conversion when its hold period ends (scheduled when it is recorded). */
  approveConversion: approveJob,
  /** Approves whatever is due and was missed (the safety net behind approveConversion). */
  approveDue: 'conversions.approve-due',
  purgeRequestLog: 'request-log.purge',
  /** Sends one offer email; queued at order notification to run at once. */
  sendOfferEmail: offerEmailJob,
  /** Marks sends that died mid-way as failed (never resent: no second email). */
  expireInterruptedSends: 'offer-email.expire-interrupted',
  /** Clears buyer addresses on orders and messages after the retention period. */
  forgetBuyers: 'buyer-data.forget',
} as const

export async function defineJobs(agenda: Agenda, services: Services): Promise<void> {
  const { storage, logger, lifecycle, config, monetize } = services
  agenda.define<{ conversionId: string }>(JobName.approveConversion, async (job) => {
    const approved = await lifecycle.approve(job.attrs.data.conversionId)
    if (approved) logger.info({ conversionId: approved.id }, 'conversion approved')
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
  }, { backoff: backoffStrategies.exponential({ delay: 1_000, maxRetries: maxSendAttempts }), concurrency: 10 })
  agenda.define(JobName.expireInterruptedSends, async () => {
    const expired = await monetize.expireInterruptedSends()
    if (expired) logger.warn({ expired }, 'interrupted offer emails marked failed')
  })
  agenda.define(JobName.forgetBuyers, async () => {
    const before = new Date(Date.now() - config.BUYER_DATA_RETENTION_DAYS * 86_400_000)
    const orders = await storage.orders.forgetBefore(before)
    const messages = await storage.messages.forgetBefore(before)
    logger.info({ orders, messages, before }, 'buyer data forgotten')
  })
  await agenda.every('10 minutes', JobName.approveDue)
  await agenda.every('1 minute', JobName.expireInterruptedSends)
  await agenda.every('1 day', JobName.forgetBuyers)
  await agenda.every('1 day', JobName.purgeRequestLog)
}
