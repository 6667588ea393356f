// Runs a product job through Agenda exactly as the scheduler would: a one-off `now()` job saved on the network's
// own store, picked up by the network's running Agenda (its real definition from server/src/jobs/definitions.ts),
// and awaited until Agenda records that it finished. No sleeps: the job row's `last_finished_at` is the point
// after which its effect on the data is asserted.
import { Agenda } from 'agenda'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import type { Storage } from '../../server/src/storage/types.js'
import { eventually } from './eventually.js'

export interface JobRun {
  id: string
  failed: boolean
  failReason: string | null
}

/** Saves `name` to run now and resolves once the network's Agenda has finished it (successfully or not). */
export async function runJob(storage: Storage, name: string, data: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<JobRun> {
  const sql = (storage as PostgresStorage).sql
  // An Agenda that is never started only writes the job; the network's Agenda (started) runs it.
  const client = new Agenda({ backend: storage.agendaBackend() })
  await client.ready
  const job = await client.now(name, data)
  const id = String(job.attrs._id ?? (job.attrs as { id?: unknown }).id)
  const end = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await sql.query('SELECT last_finished_at, failed_at, fail_reason FROM agenda_jobs WHERE id = $1', [id])
    const row = rows[0] as { last_finished_at: Date | null; failed_at: Date | null; fail_reason: string | null } | undefined
    if (row?.last_finished_at) {
      const failed = row.failed_at !== null && row.failed_at.getTime() >= row.last_finished_at.getTime()
      return { id, failed, failReason: failed ? row.fail_reason : null }
    }
    if (Date.now() > end) throw new Error(`job ${name} (${id}) did not finish within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Like runJob, and fails the test when the job threw. */
export async function runJobOk(storage: Storage, name: string, data: Record<string, unknown> = {}): Promise<void> {
  const run = await runJob(storage, name, data)
  if (run.failed) throw new Error(`job ${name} failed: ${run.failReason}`)
}

/**
 * Resolves once no job named `name` is due, waiting for a retry, or running: the deterministic point after
 * which "nothing more happened" (no second email, say) can be asserted without sleeping.
 */
export async function jobsSettled(storage: Storage, name: string, timeoutMs = 20_000): Promise<void> {
  const sql = (storage as PostgresStorage).sql
  await eventually(`no ${name} job due, retrying or running`, async () => {
    const { rows } = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM agenda_jobs WHERE name = $1 AND (next_run_at IS NOT NULL OR locked_at IS NOT NULL)', [name])
    return rows[0]!.n === 0
  }, timeoutMs)
}
