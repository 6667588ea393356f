import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agenda } from 'agenda'
import { describe, expect, it } from 'vitest'
import { JobName } from '../../server/src/jobs/definitions.js'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { clickLink, createScenario } from '../support/fixtures.js'
import { eventually } from '../support/eventually.js'
import { runJob } from '../support/jobs.js'
import { migratedDataDir, startTestNetwork } from '../support/network.js'

describe('server lifecycle', () => {
  it('reports the embedded driver as healthy on /healthz', async () => {
    const network = await startTestNetwork()
    try {
      const res = await fetch(`${network.url}/healthz`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({
        status: 'ok', storage: { driver: 'pglite', reachable: true },
        spool: { active: false, waiting: 0, bytes: 0, maxBytes: 512 * 1024 * 1024, replayed: 0, rejected: 0 },
      })
      const missing = await fetch(`${network.url}/no-such-page`)
      expect(missing.status).toBe(404)
      expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no such resource' } })
    } finally {
      await network.destroy()
    }
  })

  it('keeps data across a restart and seeds the demo idempotently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'network-restart-'))
    try {
      const first = await startTestNetwork({ SEED_DEMO: 'true' }, dir)
      const created = await first.storage.accounts.create({ id: 'acc_kept', name: 'Kept', email: 'kept@example.com', roles: ['publisher'], status: 'active', passwordHash: null })
      const demoKey = first.demo!.accounts[0]!.apiKey
      await first.stop()
      const second = await startTestNetwork({ SEED_DEMO: 'true' }, dir)
      try {
        expect(await second.storage.accounts.get('acc_kept')).toEqual(created)
        expect(second.demo!.accounts[0]!.apiKey).toBe(demoKey)
        expect((await second.storage.accounts.list()).filter((a) => a.id.startsWith('acc_demo'))).toHaveLength(4)
      } finally {
        await second.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('runs a job scheduled before a restart after it', async () => {
    const dir = await migratedDataDir('network-agenda-')
    try {
      const before = new PostgresStorage({ driver: 'pglite', dataDir: dir })
      await before.connect()
      const scheduling = new Agenda({ backend: before.agendaBackend(), processEvery: 100 })
      await scheduling.ready
      await scheduling.schedule(new Date(Date.now() + 300), 'restart-probe', { marker: 'survived' })
      await scheduling.stop()
      await before.close()

      const after = new PostgresStorage({ driver: 'pglite', dataDir: dir })
      await after.connect()
      const running = new Agenda({ backend: after.agendaBackend(), processEvery: 100 })
      const ran = new Promise<unknown>((resolve) => running.define('restart-probe', async (job) => resolve(job.attrs.data)))
      await running.start()
      expect(await ran).toEqual({ marker: 'survived' })
      await running.stop()
      await after.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('runs the product\'s own job definitions: the approval a recorded conversion schedules approves it, and every job is defined', async () => {
    const network = await startTestNetwork()
    try {
      const sql = (network.storage as PostgresStorage).sql
      interface JobRow { data: { at?: number }; next_run_at: Date | null; last_finished_at: Date | null; failed_at: Date | null }
      const job = async (name: string) =>
        (await sql.query('SELECT data, next_run_at, last_finished_at, failed_at FROM agenda_jobs WHERE name = $1', [name])).rows as unknown as JobRow[]
      // defineJobs stored the recurring jobs with their intervals…
      const recurring = (await sql.query('SELECT name, repeat_interval FROM agenda_jobs WHERE repeat_interval IS NOT NULL ORDER BY name')).rows
      expect(recurring).toEqual([
        { name: JobName.approveDue, repeat_interval: '10 minutes' },
        { name: JobName.forgetBuyers, repeat_interval: '1 day' },
        { name: JobName.expireInterruptedSends, repeat_interval: '1 minute' },
        { name: JobName.purgeSessions, repeat_interval: '1 day' },
        { name: JobName.purgeRequestLog, repeat_interval: '1 day' },
        { name: JobName.purgeWebhookTokens, repeat_interval: '1 hour' },
        { name: JobName.refreshRevenueStatistics, repeat_interval: '30 3 * * *' },
      ].sort((a, b) => (a.name < b.name ? -1 : 1)))
      // …and the safety-net sweep (which runs at start) is neither running nor due for minutes: whatever approves
      // the conversion below is the approval run its recording scheduled.
      await eventually('the sweep to be done and not due', async () => {
        const { rows } = await sql.query('SELECT locked_at, next_run_at FROM agenda_jobs WHERE name = $1', [JobName.approveDue])
        const sweep = rows[0] as { locked_at: Date | null; next_run_at: Date | null } | undefined
        return sweep && sweep.locked_at === null && sweep.next_run_at !== null && sweep.next_run_at.getTime() > Date.now() + 60_000
      }, 15_000)

      const s = await createScenario(network.storage, { holdDays: 0 })
      const click = await clickLink(network.url, s.linkCode)
      const res = await fetch(`${network.url}/api/v1/conversions`, {
        method: 'POST', headers: { authorization: `Bearer ${s.advertiserKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ orderId: 'jobs-1', amount: '120.00', currency: 'EUR', clickId: click.clickId }),
      })
      expect(res.status).toBe(201)
      const conversion = (await network.storage.conversions.getByOrder(s.advertiserId, 'jobs-1'))!
      expect(conversion).toMatchObject({ status: 'pending', commission: 1200, publisherId: s.publisherId })
      expect(await network.storage.ledger.balances(s.publisherId)).toEqual([{ currency: 'EUR', pending: 1200, approved: 0, paid: 0, credit: 0 }])
      // The recording scheduled one approval run for the five-second bucket its hold period ends in.
      const scheduled = await job(JobName.approveDueAt)
      expect(scheduled).toHaveLength(1)
      const at = scheduled[0]!.data.at!
      expect(at % 5000).toBe(0)
      expect(at).toBeGreaterThanOrEqual(conversion.approveAt!.getTime())
      expect(scheduled[0]!.next_run_at?.getTime()).toBe(at)

      const ran = await eventually('the approval run', async () => (await job(JobName.approveDueAt)).find((row) => row.last_finished_at), 15_000)
      expect(ran.failed_at).toBeNull()
      expect(await network.storage.conversions.get(conversion.id)).toMatchObject({ status: 'approved', decidedAt: expect.any(Date) })
      expect(await network.storage.ledger.balances(s.publisherId)).toEqual([{ currency: 'EUR', pending: 0, approved: 1200, paid: 0, credit: 0 }])
      const entries = await network.storage.ledger.listByAccount(s.publisherId)
      expect(entries.map((e) => [e.bucket, e.amount]).sort()).toEqual([['approved', 1200], ['pending', -1200], ['pending', 1200]])

      // Every job the product names is defined in the running network: each runs to its end there, without failing
      // (an undefined job would never be picked up).
      const data: Partial<Record<string, Record<string, unknown>>> = {
        [JobName.sendOfferEmail]: { messageId: 'msg_none' }, [JobName.reattributeRevenue]: { accountId: s.advertiserId }, [JobName.approveDueAt]: { at: Date.now() },
      }
      for (const name of Object.values(JobName)) expect(await runJob(network.storage, name, data[name] ?? {}), name).toMatchObject({ failed: false })
    } finally {
      await network.destroy()
    }
  }, 60_000)

  it('refuses to start with a bad setting and names it', () => {
    const result = spawnSync(process.execPath, ['server/dist/main.js'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 20_000 })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/PORT/)
  })
})
