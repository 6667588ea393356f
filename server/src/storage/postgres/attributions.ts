// Revenue from campaigns: the per-order attribution table and the reports over it.
// The attribution rule is one set-based statement inside the function revenue_attribute (migration 3), so a new
// order, a late event and a batch of stale orders are the same call over a different set of orders.
import type { Attribution, AttributionRepository, Channel } from '../contract/index.js'
import { pageEndIndex, pageLast } from '../revenueRules.js'
import type { Row, SqlPool } from './sql.js'
import { where } from './where.js'

const toAttribution = (r: Row): Attribution => ({
  orderId: r.order_id as string,
  accountId: r.account_id as string,
  orderedAt: r.ordered_at as Date,
  total: r.total as number,
  currency: (r.currency as string).trim(),
  status: r.status as Attribution['status'],
  messageId: (r.message_id as string | null) ?? null,
  messageAccountId: (r.message_account_id as string | null) ?? null,
  campaignId: (r.campaign_id as string | null) ?? null,
  channel: (r.channel as Attribution['channel']) ?? null,
  tags: r.tags as string[],
  linkedAt: (r.linked_at as Date | null) ?? null,
  settingsVersion: r.settings_version as number,
})

export function attributions(sql: SqlPool): AttributionRepository {
  return {
    async attribute(scope, defaults) {
      const orderIds = 'orderIds' in scope ? scope.orderIds : (await sql.query<{ id: string }>(
        'SELECT id FROM orders WHERE email = $1 AND ordered_at >= $2', [scope.recipient.toLowerCase(), scope.since],
      )).rows.map((r) => r.id)
      if (orderIds.length === 0) return 0
      // The rule is the function revenue_attribute (migration 3): its plan is cached per session, where planning
      // the statement afresh costs more than running it.
      const { rows } = await sql.query<{ written: number }>('SELECT revenue_attribute($1::jsonb, $2::text[]) AS written', [JSON.stringify(defaults), orderIds])
      return rows[0]!.written
    },
    async get(orderId) {
      const { rows } = await sql.query('SELECT * FROM revenue_attributions WHERE order_id = $1', [orderId])
      return rows[0] ? toAttribution(rows[0]) : null
    },
    async staleOrders(q) {
      // The same conditions bound the page and select its orders (both on `orders o`).
      const w = where().and('o.account_id = ?', q.accountId)
      if (q.from) w.and('o.ordered_at >= ?', q.from)
      if (q.to) w.and('o.ordered_at < ?', q.to)
      if (q.after) w.and(`o.ordered_at >= ?::timestamptz + interval '1 millisecond'`, q.after)
      const version = w.param(q.version)
      const offset = w.param(pageEndIndex(q.limit))
      // A page is an index range ending with the millisecond of its limit-th order (all of that millisecond
      // included, so \`last\`, a JavaScript date, resumes exactly): no sort of the account's orders.
      const { rows } = await sql.query<{ id: string; ordered_at: Date; stale: boolean }>(
        `WITH bound AS (SELECT o.ordered_at FROM orders o ${w.clause} ORDER BY o.ordered_at OFFSET ${offset} LIMIT 1)
         SELECT o.id, o.ordered_at, (ra.order_id IS NULL OR ra.settings_version < ${version}) AS stale
         FROM orders o LEFT JOIN revenue_attributions ra ON ra.order_id = o.id
         ${w.clause}
           AND o.ordered_at < COALESCE((SELECT date_trunc('milliseconds', ordered_at) FROM bound) + interval '1 millisecond', 'infinity')`,
        w.params,
      )
      return {
        orderIds: rows.filter((r) => r.stale).map((r) => r.id),
        last: pageLast(rows.map((r) => r.ordered_at)),
      }
    },
    async summarize(q) {
      // Only the columns of the view's covering index, so that it alone answers (a shop's rows are attributed ones).
      const owner = q.view === 'shop' ? 'message_account_id = $1' : 'account_id = $1 AND message_id IS NOT NULL'
      const { rows } = await sql.query(
        `SELECT campaign_id, account_id, channel, tags && $5::text[] AS excluded, count(*) AS purchases, sum(total)::bigint AS revenue
         FROM revenue_attributions
         WHERE ${owner} AND ordered_at >= $2 AND ordered_at < $3 AND currency = $4 AND status NOT IN ('cancelled', 'refunded')
         GROUP BY 1, 2, 3, 4`,
        [q.accountId, q.from, q.to, q.currency, q.excludedTags],
      )
      // Versions only grow: an attribution made under an older one is stale.
      const stale = q.settingsVersion === undefined ? 0 : (await sql.query<{ n: number }>(
        'SELECT count(*) AS n FROM revenue_attributions WHERE account_id = $1 AND settings_version < $2 AND ordered_at >= $3 AND ordered_at < $4',
        [q.accountId, q.settingsVersion, q.from, q.to],
      )).rows[0]!.n
      return {
        groups: rows.map((r) => ({
          campaignId: r.campaign_id as string,
          advertiserId: r.account_id as string,
          channel: r.channel as Channel,
          excluded: r.excluded as boolean,
          purchases: r.purchases as number,
          revenue: r.revenue as number,
        })),
        stale,
      }
    },
    async earnings(q) {
      // Email leads are source 'email'; a sale counts when its click carried one of the shop's messages as sub1.
      const { rows } = await sql.query(
        `SELECT c.campaign_id, count(*) AS conversions, sum(c.commission - c.reversed_commission)::bigint AS earned
         FROM conversions c LEFT JOIN clicks k ON k.id = c.click_id
         WHERE c.publisher_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND c.commission_currency = $4
           AND c.status <> 'declined' AND c.campaign_id IS NOT NULL
           AND (c.source = 'email' OR EXISTS (SELECT 1 FROM messages m WHERE m.id = k.sub_ids[1] AND m.account_id = c.publisher_id))
         GROUP BY c.campaign_id`,
        [q.publisherId, q.from, q.to, q.currency],
      )
      return rows.map((r) => ({ campaignId: r.campaign_id as string, conversions: r.conversions as number, earned: r.earned as number }))
    },
    async refreshStatistics() {
      // VACUUM also marks pages all-visible, which lets reports read the covering indexes alone. Neither may run in
      // a transaction: without parameters, query() sends them as simple queries.
      await sql.query('VACUUM (ANALYZE) revenue_attributions')
      await sql.query('ANALYZE orders, messages, message_events')
    },
  }
}
