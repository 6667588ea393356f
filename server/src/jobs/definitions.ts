// Every background job of the product, in one place: its name, what it does and how it repeats.
import type { Agenda } from 'agenda'
import type { Logger } from '../logger.js'
import type { Storage } from '../storage/types.js'

export interface JobDeps {
  storage: Storage
  logger: Logger
  requestLogRetentionDays: number
}

export const JobName = {
  purgeRequestLog: 'request-log.purge',
} as const

export async function defineJobs(agenda: Agenda, deps: JobDeps): Promise<void> {
  agenda.define(JobName.purgeRequestLog, async () => {
    const before = new Date(Date.now() - deps.requestLogRetentionDays * 86_400_000)
    const removed = await deps.storage.requestLog.purgeBefore(before)
    deps.logger.info({ removed, before }, 'request log purged')
  })
  await agenda.every('1 day', JobName.purgeRequestLog)
}
