import type { Conversion, ConversionRepository, ConversionTransition } from '../contract/index.js'
import { insertEntries } from './ledger.js'
import type { Row, SqlPool } from './sql.js'
import { where } from './where.js'

const toConversion = (r: Row): Conversion => ({
  id: r.id as string,
  advertiserId: r.advertiser_id as string,
  campaignId: (r.campaign_id as string | null) ?? null,
  trackingCodeId: (r.tracking_code_id as string | null) ?? null,
  publisherId: (r.publisher_id as string | null) ?? null,
  clickId: (r.click_id as string | null) ?? null,
  type: r.type as Conversion['type'],
  orderId: r.order_id as string,
  amount: r.amount as number,
  currency: r.currency as string,
  commission: r.commission as number,
  commissionCurrency: r.commission_currency as string,
  commissionRule: (r.commission_rule as Conversion['commissionRule']) ?? null,
  status: r.status as Conversion['status'],
  reason: r.reason as string,
  source: r.source as Conversion['source'],
  refundedAmount: r.refunded_amount as number,
  reversedCommission: r.reversed_commission as number,
  customerEmail: (r.customer_email as string | null) ?? null,
  createdAt: r.created_at as Date,
  approveAt: (r.approve_at as Date | null) ?? null,
  decidedAt: (r.decided_at as Date | null) ?? null,
})

/** The columns a transition may set, by field name. */
const settable: Record<keyof ConversionTransition['set'], string> = {
  status: 'status',
  refundedAmount: 'refunded_amount',
  reversedCommission: 'reversed_commission',
  decidedAt: 'decided_at',
}

export function conversions(sql: SqlPool): ConversionRepository {
  const getByOrder = async (advertiserId: string, orderId: string) => {
    const { rows } = await sql.query('SELECT * FROM conversions WHERE advertiser_id = $1 AND order_id = $2', [advertiserId, orderId])
    return rows[0] ? toConversion(rows[0]) : null
  }
  return {
    async forgetBefore(before) {
      const { rowCount } = await sql.query('UPDATE conversions SET customer_email = NULL WHERE created_at < $1 AND customer_email IS NOT NULL', [before])
      return rowCount
    },
    async insertIfAbsent(c, ledger) {
      const inserted = await sql.transaction(async (tx) => {
        const { rows } = await tx.query(
          `INSERT INTO conversions (id, advertiser_id, campaign_id, tracking_code_id, publisher_id, click_id, type, order_id,
             amount, currency, commission, commission_currency, commission_rule, status, reason, source, refunded_amount,
             reversed_commission, customer_email, approve_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
           ON CONFLICT (advertiser_id, order_id) DO NOTHING RETURNING *`,
          [c.id, c.advertiserId, c.campaignId, c.trackingCodeId, c.publisherId, c.clickId, c.type, c.orderId, c.amount,
            // SQL NULL for no rule (JSON null would read back the same: an equivalent mutant, kept for the column's meaning).
            c.currency, c.commission, c.commissionCurrency, c.commissionRule == null ? null : JSON.stringify(c.commissionRule),
            c.status, c.reason, c.source, c.refundedAmount, c.reversedCommission, c.customerEmail, c.approveAt],
        )
        if (!rows[0]) return null
        await insertEntries(tx, ledger)
        return toConversion(rows[0])
      })
      if (inserted) return { conversion: inserted, created: true }
      // The conflicting insert has committed by now: ON CONFLICT waited for it.
      const existing = await getByOrder(c.advertiserId, c.orderId)
      // (Unreachable while conversions are never deleted; a clear error rather than a null conversion if they ever are.)
      if (!existing) throw new Error(`conversion ${c.advertiserId}/${c.orderId} conflicted but cannot be read`)
      return { conversion: existing, created: false }
    },
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM conversions WHERE id = $1', [id])
      return rows[0] ? toConversion(rows[0]) : null
    },
    getByOrder,
    async list(q) {
      const w = where()
      if (q.advertiserId) w.and('advertiser_id = ?', q.advertiserId)
      if (q.publisherId) w.and('publisher_id = ?', q.publisherId)
      if (q.campaignId) w.and('campaign_id = ?', q.campaignId)
      if (q.status) w.and('status = ?', q.status)
      if (q.from) w.and('created_at >= ?', q.from)
      if (q.to) w.and('created_at < ?', q.to)
      if (q.dueBefore) w.and('approve_at <= ?', q.dueBefore)
      const { rows } = await sql.query(
        `SELECT * FROM conversions ${w.clause} ORDER BY created_at DESC, seq DESC LIMIT ${w.param(q.limit ?? 100)}`,
        w.params,
      )
      return rows.map(toConversion)
    },
    async upgrade(u) {
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query(
          `UPDATE conversions SET publisher_id = $2, click_id = $3, campaign_id = $4, commission = $5, commission_currency = $6,
             commission_rule = $7, reason = $8, approve_at = $9
           WHERE id = $1 AND status = 'pending' AND publisher_id IS NULL AND refunded_amount = 0 AND created_at >= $10
           RETURNING *`,
          [u.id, u.set.publisherId, u.set.clickId, u.set.campaignId, u.set.commission, u.set.commissionCurrency,
            u.set.commissionRule == null ? null : JSON.stringify(u.set.commissionRule), u.set.reason, u.set.approveAt, u.createdAfter],
        )
        if (!rows[0]) return null
        await insertEntries(tx, u.ledger)
        return toConversion(rows[0])
      })
    },
    async transition(t) {
      return sql.transaction(async (tx) => {
        const w = where()
        const sets = Object.entries(t.set).map(([field, value]) => `${settable[field as keyof typeof settable]} = ${w.param(value)}`)
        w.and('id = ?', t.id).and('status = ANY(?)', t.from)
        if (t.whenRefundedAmount !== undefined) w.and('refunded_amount = ?', t.whenRefundedAmount)
        const { rows } = await tx.query(
          `UPDATE conversions SET ${sets.length ? sets.join(', ') : 'id = id'} ${w.clause} RETURNING *`,
          w.params,
        )
        if (!rows[0]) return null
        await insertEntries(tx, t.ledger)
        return toConversion(rows[0])
      })
    },
  }
}
