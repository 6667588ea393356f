// The migration runner: every migration once, in order, recorded with its name; a database part-way migrated
// gets only what it lacks; a failure leaves nothing half-applied; Agenda's table comes with them; and on a
// PostgreSQL server two processes starting at once migrate once between them (the advisory lock).
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { agendaTable, migrate, migrations } from '../../server/src/storage/postgres/migrations.js'
import { embeddedPool, serverPool, type SqlPool } from '../../server/src/storage/postgres/sql.js'
import { testServerUrl } from '../support/stores.js'

if (!testServerUrl) console.warn('[migrations] the concurrent-start case skipped: TEST_DATABASE_URL is not set (CI sets it when PostgreSQL answers)')

const versions = migrations.map((m) => m.version)
const recorded = async (sql: SqlPool) =>
  (await sql.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows
const columns = async (sql: SqlPool, table: string) =>
  (await sql.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()', [table])).rows.map((r) => r.column_name)

describe('migrate on a new embedded database', () => {
  const open: SqlPool[] = []
  afterAll(async () => {
    for (const sql of open) await sql.close()
  })
  const fresh = async () => {
    const sql = await embeddedPool('memory://')
    open.push(sql)
    return sql
  }

  it('applies every migration in order, records each with its name, and creates Agenda’s table, indexes and trigger', async () => {
    const sql = await fresh()
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    expect(await migrate(sql)).toEqual(versions)
    expect(await recorded(sql)).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })))
    expect(await columns(sql, 'campaigns')).toContain('first_party_path')
    expect(await columns(sql, agendaTable)).toEqual(expect.arrayContaining(['name', 'data', 'next_run_at', 'locked_at']))
    const indexes = (await sql.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE tablename = $1', [agendaTable])).rows
    expect(indexes.length).toBeGreaterThan(1)
    const triggers = (await sql.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, [agendaTable])).rows
    expect(triggers.length).toBeGreaterThan(0)
    // Again: nothing to do, nothing recorded twice.
    expect(await migrate(sql)).toEqual([])
    expect(await recorded(sql)).toHaveLength(migrations.length)
  })

  it('applies only what a part-way migrated database lacks', async () => {
    const sql = await fresh()
    await migrate(sql)
    // As if the database stopped at the last-but-one migration.
    await sql.exec(`ALTER TABLE campaigns DROP COLUMN first_party_path; DELETE FROM schema_migrations WHERE version = ${versions.at(-1)}`)
    expect(await migrate(sql)).toEqual([versions.at(-1)])
    expect(await columns(sql, 'campaigns')).toContain('first_party_path')
    expect((await recorded(sql)).map((r) => r.version)).toEqual(versions)
  })

  it('leaves nothing half-applied when a migration fails: no table of the run, no version recorded', async () => {
    const sql = await fresh()
    // The first migration creates `accounts`; one already there makes it fail part-way.
    await sql.exec('CREATE TABLE accounts (id text)')
    await expect(migrate(sql)).rejects.toThrow(/accounts/)
    const tables = (await sql.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)).rows.map((r) => r.tablename)
    expect(tables).toEqual(['accounts'])
  })
})

describe.skipIf(!testServerUrl)('migrate on a PostgreSQL server', () => {
  it('migrates once when two processes start together: one applies everything, the other waits for its lock and finds nothing left', async () => {
    const schema = `migrate_${process.pid}_${Date.now()}`
    const admin = new pg.Client({ connectionString: testServerUrl as string })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}`)
    const a = serverPool({ connectionString: testServerUrl as string, schema })
    const b = serverPool({ connectionString: testServerUrl as string, schema })
    try {
      // The first holds the lock (its transaction open) while the second starts; then the first is let go.
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      let locked!: () => void
      const lockTaken = new Promise<void>((resolve) => (locked = resolve))
      const holder = a.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(724061)')
        locked()
        await held
      })
      await lockTaken
      const first = migrate(a)
      const second = migrate(b)
      // Both wait on the lock: neither has created anything yet.
      const waiting = async () => (await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 724061 AND NOT granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0].n as number
      for (let i = 0; (await waiting()) < 2; i++) {
        if (i > 500) throw new Error('the two migrations never waited on the lock')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      expect((await admin.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1`, [schema])).rowCount).toBe(0)
      release()
      await holder
      const results = await Promise.all([first, second])
      expect(results.map((r) => r.length).sort()).toEqual([0, versions.length])
      expect((await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows.map((r) => r.version)).toEqual(versions)
    } finally {
      await a.close()
      await b.close()
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    }
  }, 60_000)
})
