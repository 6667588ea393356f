// Agenda on the selected store. Created before the services (they schedule jobs), started after them
// (the jobs run the services). The definitions live in ./definitions.ts.
import { Agenda } from 'agenda'
import type { Logger } from '../logger.js'
import type { Services } from '../services.js'
import type { Storage } from '../storage/types.js'
import { defineJobs } from './definitions.js'

export interface JobOptions {
  /** Poll interval; jobs scheduled for now are picked up at once through the backend's notifications. */
  processEvery?: string | number
  /** A name for this process in Agenda's locks (useful with several server processes). */
  name?: string
}

export function createJobs(storage: Storage, logger: Logger, options: JobOptions = {}) {
  const agenda = new Agenda({
    backend: storage.agendaBackend(),
    processEvery: options.processEvery ?? '5 seconds',
    name: options.name,
    defaultLockLifetime: 60_000,
  })
  agenda.on('error', (error: Error) => logger.error({ err: error }, 'agenda error'))
  agenda.on('fail', (error: Error, job: { attrs: { name: string } }) => logger.warn({ err: error, job: job.attrs.name }, 'job failed'))
  return {
    agenda,
    /** Schedules a job unless one with the same `data[key]` is already stored (any process). */
    scheduleOnce: async (when: Date, job: string, data: Record<string, unknown>, key: string) => {
      await agenda.create(job, data).unique({ [`data.${key}`]: data[key] }, { insertOnly: true }).schedule(when).save()
    },
    runNow: (job: string, data: Record<string, unknown>) => agenda.now(job, data),
    async start(services: Services) {
      await defineJobs(agenda, services)
      await agenda.start()
    },
    stop: () => agenda.stop(),
  }
}

export type Jobs = ReturnType<typeof createJobs>
