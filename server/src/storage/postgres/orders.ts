import type { Order, OrderRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'
import { where } from './where.js'

const toOrder = (r: Row): Order => ({
  id: r.id as string,
  accountId: r.account_id as string,
  externalId: r.external_id as string,
  customerId: (r.customer_id as string | null) ?? null,
  email: (r.email as string | null) ?? null,
  name: (r.name as string | null) ?? null,
  total: r.total as number,
  currency: r.currency as string,
  status: r.status as Order['status'],
  items: r.items as Order['items'],
  orderedAt: r.ordered_at as Date,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
})

export function orders(sql: SqlPool): OrderRepository {
  return {
    async upsert(o, options = {}) {
      // xmax = 0 only for a row this statement inserted: tells a create from an update in one round trip.
      const { rows } = await sql.query(
        `INSERT INTO orders (id, account_id, external_id, customer_id, email, name, total, currency, status, items, ordered_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
         ON CONFLICT (account_id, external_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, email = EXCLUDED.email,
           name = EXCLUDED.name, total = EXCLUDED.total, currency = EXCLUDED.currency, status = EXCLUDED.status,
           items = EXCLUDED.items, ordered_at = CASE WHEN $12 THEN orders.ordered_at ELSE EXCLUDED.ordered_at END, updated_at = now()
         RETURNING *, (xmax = 0) AS inserted`,
        [o.id, o.accountId, o.externalId, o.customerId, o.email?.toLowerCase() ?? null, o.name, o.total, o.currency, o.status,
          JSON.stringify(o.items), o.orderedAt, options.keepOrderedAt === true],
      )
      return { order: toOrder(rows[0]!), created: rows[0]!.inserted as boolean }
    },
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM orders WHERE id = $1', [id])
      return rows[0] ? toOrder(rows[0]) : null
    },
    async getByExternalId(accountId, externalId) {
      const { rows } = await sql.query('SELECT * FROM orders WHERE account_id = $1 AND external_id = $2', [accountId, externalId])
      return rows[0] ? toOrder(rows[0]) : null
    },
    async list(q) {
      const w = where().and('account_id = ?', q.accountId)
      if (q.from) w.and('ordered_at >= ?', q.from)
      if (q.to) w.and('ordered_at < ?', q.to)
      const { rows } = await sql.query(
        `SELECT * FROM orders ${w.clause} ORDER BY ordered_at DESC, seq DESC LIMIT ${w.param(q.limit ?? 100)}`,
        w.params,
      )
      return rows.map(toOrder)
    },
    async forgetBefore(before) {
      const { rowCount } = await sql.query(
        'UPDATE orders SET email = NULL, name = NULL WHERE created_at < $1 AND (email IS NOT NULL OR name IS NOT NULL)',
        [before],
      )
      return rowCount
    },
  }
}
