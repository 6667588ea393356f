import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agenda } from 'agenda'
import { describe, expect, it } from 'vitest'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { startTestNetwork } from '../support/network.js'

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
    const dir = mkdtempSync(join(tmpdir(), 'network-agenda-'))
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

  it('refuses to start with a bad setting and names it', () => {
    const result = spawnSync(process.execPath, ['server/dist/main.js'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 20_000 })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/PORT/)
  })
})
