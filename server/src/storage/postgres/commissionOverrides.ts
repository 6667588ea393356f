import type { CommissionOverride, CommissionOverrideRepository } from '../contract/index.js'
import { json, type Row, type SqlPool } from './sql.js'

const toOverride = (r: Row): CommissionOverride => ({
  campaignId: r.campaign_id as string,
  publisherId: r.publisher_id as string,
  saleRule: (r.sale_rule as CommissionOverride['saleRule']) ?? null,
  leadRule: (r.lead_rule as CommissionOverride['leadRule']) ?? null,
})

export function commissionOverrides(sql: SqlPool): CommissionOverrideRepository {
  return {
    async put(o) {
      const { rows } = await sql.query(
        `INSERT INTO commission_overrides (campaign_id, publisher_id, sale_rule, lead_rule) VALUES ($1,$2,$3,$4)
         ON CONFLICT (campaign_id, publisher_id) DO UPDATE SET sale_rule = EXCLUDED.sale_rule, lead_rule = EXCLUDED.lead_rule
         RETURNING *`,
        [o.campaignId, o.publisherId, json(o.saleRule), json(o.leadRule)],
      )
      return toOverride(rows[0]!)
    },
    async get(campaignId, publisherId) {
      const { rows } = await sql.query(
        'SELECT * FROM commission_overrides WHERE campaign_id = $1 AND publisher_id = $2',
        [campaignId, publisherId],
      )
      return rows[0] ? toOverride(rows[0]) : null
    },
    async listByCampaign(campaignId) {
      const { rows } = await sql.query('SELECT * FROM commission_overrides WHERE campaign_id = $1 ORDER BY publisher_id', [campaignId])
      return rows.map(toOverride)
    },
    async remove(campaignId, publisherId) {
      const { rowCount } = await sql.query(
        'DELETE FROM commission_overrides WHERE campaign_id = $1 AND publisher_id = $2',
        [campaignId, publisherId],
      )
      return rowCount > 0
    },
  }
}
