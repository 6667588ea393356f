import { randomUUID } from 'node:crypto'
import { type LedgerEntry, type LedgerRepository, type NewLedgerEntry, UniqueViolation } from '../contract/index.js'
import { foldBalances, planTransfer, transferDuplicateKey, type BucketTotal } from '../ledgerRules.js'
import type { Row, Sql, SqlPool } from './sql.js'

const toEntry = (r: Row): LedgerEntry => ({
  id: r.id as string,
  accountId: r.account_id as string,
  bucket: r.bucket as LedgerEntry['bucket'],
  amount: r.amount as number,
  currency: r.currency as string,
  kind: r.kind as LedgerEntry['kind'],
  conversionId: (r.conversion_id as string | null) ?? null,
  payoutId: (r.payout_id as string | null) ?? null,
  key: r.key as string,
  memo: (r.memo as string | null) ?? null,
  createdAt: r.created_at as Date,
})

/**
 * Inserts the entries inside the caller's transaction. A key already taken throws UniqueViolation, which
 * rolls the whole transaction back: a money movement is never half-written nor silently skipped.
 */
export async function insertEntries(tx: Sql, entries: NewLedgerEntry[]): Promise<void> {
  // (Only saves a statement: an empty batch inserts nothing and matches its length.)
  if (entries.length === 0) return
  const records = entries.map((e) => ({
    id: randomUUID(), account_id: e.accountId, bucket: e.bucket, amount: e.amount, currency: e.currency,
    kind: e.kind, conversion_id: e.conversionId, payout_id: e.payoutId, key: e.key, memo: e.memo,
  }))
  const { rowCount } = await tx.query(
    `INSERT INTO ledger_entries (id, account_id, bucket, amount, currency, kind, conversion_id, payout_id, key, memo)
     SELECT id, account_id, bucket, amount, currency, kind, conversion_id, payout_id, key, memo
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, account_id text, bucket text, amount bigint, currency text,
       kind text, conversion_id text, payout_id text, key text, memo text)
     ON CONFLICT (key) DO NOTHING`,
    [JSON.stringify(records)],
  )
  if (rowCount !== entries.length) throw new UniqueViolation('ledger entry')
}

export function ledger(sql: SqlPool): LedgerRepository {
  return {
    async append(entries) {
      try {
        await sql.transaction((tx) => insertEntries(tx, entries))
        return true
      } catch (error) {
        if (error instanceof UniqueViolation) return false
        throw error
      }
    },
    async transfer(t) {
      return sql.transaction(async (tx) => {
        // One transfer per account at a time: the balance read below stays true until this commits.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [t.accountId])
        // sum() always answers: null when the bucket has no entries.
        const { rows } = await tx.query<{ taken: boolean; total: number | null }>(
          `SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE key = $1) AS taken,
             (SELECT sum(amount)::int8 FROM ledger_entries WHERE account_id = $2 AND currency = $3 AND bucket = $4) AS total`,
          [transferDuplicateKey(t), t.accountId, t.currency, t.from],
        )
        const plan = planTransfer(t, { taken: rows[0]!.taken, sourceBalance: rows[0]!.total ?? 0 })
        if (plan.result === 'done') await insertEntries(tx, plan.entries)
        return plan.result
      })
    },
    async listByAccount(accountId, limit = 100) {
      const { rows } = await sql.query(
        'SELECT * FROM ledger_entries WHERE account_id = $1 ORDER BY seq DESC LIMIT $2',
        [accountId, limit],
      )
      return rows.map(toEntry)
    },
    async balances(accountId) {
      const { rows } = await sql.query<BucketTotal>(
        `SELECT currency, bucket, sum(amount)::int8 AS total FROM ledger_entries WHERE account_id = $1
         GROUP BY currency, bucket ORDER BY currency`,
        [accountId],
      )
      return foldBalances(rows)
    },
  }
}
