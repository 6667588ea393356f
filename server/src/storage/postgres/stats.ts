// Publisher statistics, aggregated by the database: one grouped query per table, on the indexes
// clicks (publisher_id, created_at), conversions (publisher_id, created_at) and ledger_entries (account_id, created_at).
import type { StatsDimension, StatsRepository } from '../contract/index.js'
import { earningKinds } from '../ledgerRules.js'
import type { SqlPool } from './sql.js'

/** The grouping expression of a dimension; sub-ids are the click's (PostgreSQL arrays count from 1). */
const keyOf = (by: StatsDimension, clicks: string, conversions: string) =>
  by === 'campaign' ? `${conversions}.campaign_id` : `${clicks}.sub_ids[${Number(by.slice(3))}]`

export function stats(sql: SqlPool): StatsRepository {
  return {
    async traffic(q) {
      const { rows } = await sql.query<{ key: string | null; clicks: number; unique_clicks: number }>(
        `SELECT ${keyOf(q.by, 'k', 'k')} AS key, count(*)::int8 AS clicks,
           count(*) FILTER (WHERE NOT k.bot AND NOT k.duplicate)::int8 AS unique_clicks
         FROM clicks k WHERE k.publisher_id = $1 AND k.created_at >= $2 AND k.created_at < $3
         GROUP BY 1 ORDER BY 1 NULLS LAST`,
        [q.publisherId, q.from, q.to],
      )
      return rows.map((r) => ({ key: r.key, clicks: r.clicks, uniqueClicks: r.unique_clicks }))
    },
    async conversions(q) {
      const join = q.by === 'campaign' ? '' : 'LEFT JOIN clicks k ON k.id = c.click_id'
      const { rows } = await sql.query<{ key: string | null; currency: string; conversions: number; commission: number }>(
        `SELECT ${keyOf(q.by, 'k', 'c')} AS key, c.commission_currency AS currency,
           count(*) FILTER (WHERE c.status IN ('pending', 'approved'))::int8 AS conversions,
           sum(c.commission - c.reversed_commission)::int8 AS commission
         FROM conversions c ${join}
         WHERE c.publisher_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND c.status <> 'declined'
         GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`,
        [q.publisherId, q.from, q.to],
      )
      return rows.map((r) => ({ key: r.key, currency: r.currency, conversions: r.conversions, commission: r.commission }))
    },
    async earningsByDay(accountId, from, to) {
      const { rows } = await sql.query<{ day: string; currency: string; amount: number }>(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, currency, sum(amount)::int8 AS amount
         FROM ledger_entries WHERE account_id = $1 AND kind = ANY($2) AND created_at >= $3 AND created_at < $4
         GROUP BY 1, 2 ORDER BY 1, 2`,
        [accountId, earningKinds, from, to],
      )
      return rows
    },
  }
}
