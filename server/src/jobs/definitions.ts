// Every background job of the product, in one place: its name, what it does and how it repeats.
import { backoffStrategies, type Agenda } from 'agenda'
import type { Services } from '../services.js'
import { approveJob } from '../tracking/lifecycle.js'

export const JobName = {
  /** Approves one conversion when its hold period ends (scheduled when it is recorded). */
  approveConversion: approveJob,
  /** Approves whatever is due and was missed (the safety net behind approveConversion). */
  approveDue: 'conversions.approve-due',
  purgeRequestLog: 'request-log.purge',
} as const

export async function defineJobs(agenda: Agenda, services: Services): Promise<void> {
  const { storage, logger, lifecycle, config } = services
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
  await agenda.every('10 minutes', JobName.approveDue)
  await agenda.every('1 day', JobName.purgeRequestLog)
}
