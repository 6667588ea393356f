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

/** The part of Agenda's notification channel (LISTEN/NOTIFY on PostgreSQL) that a lost connection touches. */
interface NotificationChannel {
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'stateChange', listener: (state: string) => void): unknown
  connect(): Promise<void>
  setState(state: string): void
  scheduleReconnect(): void
  reconnectTimeout?: ReturnType<typeof setTimeout>
}

const reconnectFirstMs = 250
const reconnectMaxMs = 10_000

/**
 * A lost connection must never end the process, and the channel must come back on its own when the database
 * does. Agenda's channel re-emits its client's errors as 'error' (fatal without a listener), and its reconnect
 * resets its attempt counter on every try, so it retries every 100 ms forever. Here: every error is logged
 * (once per outage at warn level), and reconnects back off exponentially to 10 s, re-issuing LISTEN each time.
 */
function superviseChannel(channel: NotificationChannel | undefined, logger: Logger): void {
  if (!channel) return
  let failures = 0
  channel.on('error', (error: Error) => {
    if (failures <= 1) logger.warn({ err: error }, 'job notifications lost; reconnecting with back-off (jobs are still polled)')
    else logger.debug({ err: error }, 'job notifications still unavailable')
  })
  channel.on('stateChange', (state: string) => {
    if (state === 'connected') {
      if (failures > 0) logger.info('job notifications reconnected')
      failures = 0
    }
  })
  channel.scheduleReconnect = function scheduleReconnect(this: NotificationChannel) {
    if (this.reconnectTimeout) return
    const delay = Math.min(reconnectFirstMs * 2 ** failures, reconnectMaxMs)
    failures++
    this.setState('reconnecting')
    this.reconnectTimeout = setTimeout(() => {
      this.reconnectTimeout = undefined
      // connect() logs through 'error' and schedules the next try itself when it fails.
      this.connect().catch(() => {})
    }, delay)
    this.reconnectTimeout.unref?.()
  }
}

export function createJobs(storage: Storage, logger: Logger, options: JobOptions = {}) {
  const backend = storage.agendaBackend()
  superviseChannel((backend as { notificationChannel?: NotificationChannel }).notificationChannel, logger)
  const agenda = new Agenda({
    backend,
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
