// Agenda on the selected store. The definitions live in ./definitions.ts; this file only wires Agenda up.
import { Agenda } from 'agenda'
import type { Logger } from '../logger.js'
import type { Storage } from '../storage/types.js'
import { defineJobs, type JobDeps } from './definitions.js'

export interface Jobs {
  agenda: Agenda
  stop(): Promise<void>
}

export interface JobOptions {
  /** Poll interval; jobs scheduled for now are picked up at once through the backend's notifications. */
  processEvery?: string | number
  /** A name for this process in Agenda's locks (useful with several server processes). */
  name?: string
}

export async function startJobs(storage: Storage, logger: Logger, deps: Omit<JobDeps, 'storage' | 'logger'>, options: JobOptions = {}): Promise<Jobs> {
  const agenda = new Agenda({
    backend: storage.agendaBackend(),
    processEvery: options.processEvery ?? '5 seconds',
    name: options.name,
    defaultLockLifetime: 60_000,
  })
  agenda.on('error', (error: Error) => logger.error({ err: error }, 'agenda error'))
  agenda.on('fail', (error: Error, job: { attrs: { name: string } }) => logger.warn({ err: error, job: job.attrs.name }, 'job failed'))
  await defineJobs(agenda, { storage, logger, ...deps })
  await agenda.start()
  return {
    agenda,
    async stop() {
      await agenda.stop()
    },
  }
}
