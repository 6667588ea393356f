// The ledger is append-only in the database itself (ARCHITECTURE.md, "Storage"): the trigger of
// server/src/storage/postgres/migrations.ts refuses UPDATE and DELETE of ledger_entries, whoever sends them, so
// no code path — ours, a migration, an operator's psql — can rewrite or erase a money movement. Checked with raw
// SQL on both databases the postgres driver runs on: PGlite, and the PostgreSQL server of TEST_DATABASE_URL.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NewLedgerEntry } from '../../server/src/storage/types.js'
import { embeddedStore, serverStore, testServerUrl, type StoreHarness } from '../support/stores.js'

const harnesses: [string, () => Promise<StoreHarness>][] = [['pglite', embeddedStore]]
if (testServerUrl) harnesses.push(['postgres (server)', () => serverStore('ledger')])
else console.warn('[ledger trigger] postgres (server) skipped: TEST_DATABASE_URL is not set')

const id = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`

describe.each(harnesses)('the ledger is append-only in the database: %s', (_name, create) => {
  let h: StoreHarness
  beforeAll(async () => { h = await create() })
  afterAll(() => h?.cleanup())

  /** An account with two entries: 1000 pending, 250 approved. */
  async function seeded() {
    const accountId = id('acc')
    const entry = (patch: Partial<NewLedgerEntry>): NewLedgerEntry => ({
      accountId, bucket: 'pending', amount: 1000, currency: 'EUR', kind: 'commission', conversionId: null, payoutId: null, key: id('key'), memo: 'original', ...patch,
    })
    expect(await h.storage.ledger.append([entry({}), entry({ bucket: 'approved', amount: 250, kind: 'approval' })])).toBe(true)
    const entries = await h.storage.ledger.listByAccount(accountId)
    expect(entries).toHaveLength(2)
    return { accountId, entries, balances: await h.storage.ledger.balances(accountId) }
  }

  /** Nothing of the account's ledger changed: same entries, field for field, and the same balances. */
  async function unchanged(s: Awaited<ReturnType<typeof seeded>>) {
    expect(await h.storage.ledger.listByAccount(s.accountId)).toEqual(s.entries)
    expect(await h.storage.ledger.balances(s.accountId)).toEqual(s.balances)
  }

  it('append answers false only for a taken key: any other failure is thrown, and nothing of the batch is written', async () => {
    const s = await seeded()
    const entry = (amount: number): NewLedgerEntry => ({
      accountId: s.accountId, bucket: 'pending', amount, currency: 'EUR', kind: 'commission', conversionId: null, payoutId: null, key: id('key'), memo: null,
    })
    // Not a whole number of minor units: the database refuses it (bigint), which is not a duplicate.
    await expect(h.storage.ledger.append([entry(5), entry(1.5)])).rejects.toThrow()
    await unchanged(s)
  })

  it('refuses an UPDATE of an amount, of any other column, and of many rows at once', async () => {
    const s = await seeded()
    const [newest] = s.entries
    await expect(h.storage.sql.query('UPDATE ledger_entries SET amount = amount * 100 WHERE id = $1', [newest!.id])).rejects.toThrow(/append-only/)
    await expect(h.storage.sql.query("UPDATE ledger_entries SET memo = 'rewritten' WHERE id = $1", [newest!.id])).rejects.toThrow(/append-only/)
    await expect(h.storage.sql.query("UPDATE ledger_entries SET bucket = 'approved' WHERE account_id = $1", [s.accountId])).rejects.toThrow(/append-only/)
    await unchanged(s)
  })

  it('refuses a DELETE of one entry and of an account’s whole ledger', async () => {
    const s = await seeded()
    await expect(h.storage.sql.query('DELETE FROM ledger_entries WHERE id = $1', [s.entries[1]!.id])).rejects.toThrow(/append-only/)
    await expect(h.storage.sql.query('DELETE FROM ledger_entries WHERE account_id = $1', [s.accountId])).rejects.toThrow(/append-only/)
    await unchanged(s)
  })

  it('refuses them inside a transaction too, which then changes nothing', async () => {
    const s = await seeded()
    await expect(h.storage.sql.transaction(async (tx) => {
      await tx.query('INSERT INTO ledger_entries (id, account_id, bucket, amount, currency, kind, key) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [id('led'), s.accountId, 'pending', -1000, 'EUR', 'reversal', id('key')])
      await tx.query('UPDATE ledger_entries SET amount = 0 WHERE account_id = $1', [s.accountId])
    })).rejects.toThrow(/append-only/)
    await unchanged(s)
  })

  it('still takes new entries: correcting money is appending its reversal', async () => {
    const s = await seeded()
    expect(await h.storage.ledger.append([{
      accountId: s.accountId, bucket: 'pending', amount: -1000, currency: 'EUR', kind: 'reversal', conversionId: null, payoutId: null, key: id('key'), memo: 'reversed',
    }])).toBe(true)
    expect((await h.storage.ledger.balances(s.accountId))[0]).toMatchObject({ pending: 0, approved: 250 })
    expect(await h.storage.ledger.listByAccount(s.accountId)).toHaveLength(3)
  })
})
