import type { Payout, PayoutBatch, PayoutRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import type { Row, SqlPool } from './sql.js'

const toBatch = (r: Row): PayoutBatch => ({
  id: r.id as string,
  period: r.period as string,
  status: r.status as PayoutBatch['status'],
  createdBy: r.created_by as string,
  createdAt: r.created_at as Date,
  paidAt: (r.paid_at as Date | null) ?? null,
})

const toPayout = (r: Row): Payout => ({
  id: r.id as string,
  batchId: r.batch_id as string,
  accountId: r.account_id as string,
  amount: r.amount as number,
  currency: r.currency as string,
  status: r.status as Payout['status'],
  note: (r.note as string | null) ?? null,
  createdAt: r.created_at as Date,
  paidAt: (r.paid_at as Date | null) ?? null,
})

/** The columns a patch may set, by field name. */
const patchable: Record<string, string> = { status: 'status', note: 'note', paidAt: 'paid_at' }

export function payouts(sql: SqlPool): PayoutRepository {
  return {
    createBatch: (b, list) =>
      uniquely('payout batch', () =>
        sql.transaction(async (tx) => {
          const { rows } = await tx.query(
            `INSERT INTO payout_batches (id, period, status, created_by) VALUES ($1,$2,'scheduled',$3) RETURNING *`,
            [b.id, b.period, b.createdBy],
          )
          const batch = toBatch(rows[0]!)
          if (list.length === 0) return { batch, payouts: [] }
          const records = list.map((p) => ({ id: p.id, account_id: p.accountId, amount: p.amount, currency: p.currency }))
          const inserted = await tx.query(
            `INSERT INTO payouts (id, batch_id, account_id, amount, currency, status)
             SELECT id, $2, account_id, amount, currency, 'scheduled'
             FROM jsonb_to_recordset($1::jsonb) AS x(id text, account_id text, amount bigint, currency text)
             RETURNING *`,
            [JSON.stringify(records), batch.id],
          )
          const byId = new Map(inserted.rows.map((r) => [r.id as string, toPayout(r)]))
          return { batch, payouts: list.map((p) => byId.get(p.id)!) }
        })),
    async getBatch(id) {
      const { rows } = await sql.query('SELECT * FROM payout_batches WHERE id = $1', [id])
      return rows[0] ? toBatch(rows[0]) : null
    },
    async listBatches(limit = 100) {
      const { rows } = await sql.query('SELECT * FROM payout_batches ORDER BY seq DESC LIMIT $1', [limit])
      return rows.map(toBatch)
    },
    async setBatchStatus(id, from, status, paidAt) {
      const { rows } = await sql.query(
        'UPDATE payout_batches SET status = $3, paid_at = $4 WHERE id = $1 AND status = ANY($2) RETURNING *',
        [id, from, status, paidAt],
      )
      return rows[0] ? toBatch(rows[0]) : null
    },
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM payouts WHERE id = $1', [id])
      return rows[0] ? toPayout(rows[0]) : null
    },
    async listByBatch(batchId) {
      const { rows } = await sql.query('SELECT * FROM payouts WHERE batch_id = $1 ORDER BY seq', [batchId])
      return rows.map(toPayout)
    },
    async listByAccount(accountId, limit = 100) {
      const { rows } = await sql.query('SELECT * FROM payouts WHERE account_id = $1 ORDER BY seq DESC LIMIT $2', [accountId, limit])
      return rows.map(toPayout)
    },
    async update(id, from, patch) {
      const params: unknown[] = [id, from]
      const sets = Object.entries(patch).filter(([field, value]) => field in patchable && value !== undefined).map(([field, value]) => `${patchable[field]} = $${params.push(value)}`)
      const { rows } = await sql.query(
        `UPDATE payouts SET ${sets.length ? sets.join(', ') : 'id = id'} WHERE id = $1 AND status = ANY($2) RETURNING *`,
        params,
      )
      return rows[0] ? toPayout(rows[0]) : null
    },
    async payable() {
      const { rows } = await sql.query<{ account_id: string; currency: string; approved: number; scheduled: number }>(
        `WITH approved AS (
           SELECT account_id, currency, sum(amount)::int8 AS approved FROM ledger_entries WHERE bucket = 'approved'
           GROUP BY account_id, currency HAVING sum(amount) > 0),
         scheduled AS (
           SELECT account_id, currency, sum(amount)::int8 AS scheduled FROM payouts WHERE status = 'scheduled'
           GROUP BY account_id, currency)
         SELECT a.account_id, a.currency, a.approved, COALESCE(s.scheduled, 0)::int8 AS scheduled
         FROM approved a LEFT JOIN scheduled s ON s.account_id = a.account_id AND s.currency = a.currency
         ORDER BY a.account_id, a.currency`,
      )
      return rows.map((r) => ({ accountId: r.account_id, currency: r.currency, approved: r.approved, scheduled: r.scheduled }))
    },
  }
}

