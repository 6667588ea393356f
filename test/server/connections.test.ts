// Lost connections on a real PostgreSQL server: the backend holding Agenda's LISTEN, one inside a transaction
// and the idle ones are terminated under the server's feet. The process lives (an unhandled 'error' event would
// end this test's worker), keeps serving, re-subscribes to notifications and keeps running jobs.
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { clickLink, createScenario } from '../support/fixtures.js'
import { startTestNetwork } from '../support/network.js'

const server = process.env.TEST_DATABASE_URL
if (!server) console.warn('[connections] skipped: TEST_DATABASE_URL is not set (CI sets it when PostgreSQL answers)')

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.skipIf(!server)('lost PostgreSQL connections', () => {
  it('lives through terminated LISTEN, transaction and idle backends, then serves, listens and runs jobs again', async () => {
    const network = await startTestNetwork({}, undefined, { driver: 'postgres' })
    const admin = new pg.Client({ connectionString: server })
    await admin.connect()
    try {
      const database = new URL(network.services.config.DATABASE_URL as string).pathname.slice(1)
      const listeners = async () =>
        (await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`, [database])).rows.map((r) => r.pid as number)
      const s = await createScenario(network.storage)
      await until('Agenda listening', async () => (await listeners()).length > 0)

      // 1. The LISTEN backend.
      const before = await listeners()
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before])
      await until('LISTEN re-subscribed on a new backend', async () => {
        const now = await listeners()
        return now.length > 0 && now.every((pid) => !before.includes(pid))
      })

      // 2. A backend inside a transaction: that transaction fails, nothing else does.
      const sql = (network.storage as PostgresStorage).sql
      let pid = 0
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      const transaction = sql.transaction(async (tx) => {
        pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
        await held
        await tx.query('SELECT 1')
      })
      await until('the transaction started', async () => pid > 0)
      await admin.query('SELECT pg_terminate_backend($1)', [pid])
      await until('the backend gone', async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0)
      release()
      await expect(transaction).rejects.toThrow()

      // 3. Every other backend of this database, idle ones included.
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])

      // Serving: a click, a conversion, /healthz; and jobs: the conversion's approval is an Agenda job.
      const click = await clickLink(network.url, s.linkCode)
      expect(click.status).toBe(302)
      const pixel = await fetch(`${network.url}/px?t=${s.trackingCode}&id=after-kill&amount=30.00&nclid=${click.clickId}`)
      expect(pixel.status).toBe(200)
      expect((await fetch(`${network.url}/healthz`)).status).toBe(200)
      await until('the conversion approved by its job', async () => {
        const conversion = await network.storage.conversions.getByOrder(s.advertiserId, 'after-kill')
        return conversion?.status === 'approved'
      })
      await until('LISTEN back after the idle backends went too', async () => (await listeners()).length > 0)
    } finally {
      await admin.end()
      await network.destroy()
    }
  }, 60_000)
})
