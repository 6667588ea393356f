import type { Campaign, CampaignRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import { json, type Row, type SqlPool } from './sql.js'

const toCampaign = (r: Row): Campaign => ({
  id: r.id as string,
  advertiserId: r.advertiser_id as string,
  name: r.name as string,
  description: r.description as string,
  status: r.status as Campaign['status'],
  currency: r.currency as string,
  landingUrls: r.landing_urls as string[],
  cookieWindowDays: r.cookie_window_days as number,
  holdDays: r.hold_days as number,
  attribution: r.attribution as Campaign['attribution'],
  saleRule: (r.sale_rule as Campaign['saleRule']) ?? null,
  leadRule: (r.lead_rule as Campaign['leadRule']) ?? null,
  firstPartyPath: (r.first_party_path as string | null) ?? null,
  createdAt: r.created_at as Date,
})

export function campaigns(sql: SqlPool): CampaignRepository {
  return {
    create: (c) =>
      uniquely('campaign', async () => {
        const { rows } = await sql.query(
          `INSERT INTO campaigns (id, advertiser_id, name, description, status, currency, landing_urls,
             cookie_window_days, hold_days, attribution, sale_rule, lead_rule, first_party_path)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING *`,
          [c.id, c.advertiserId, c.name, c.description, c.status, c.currency, c.landingUrls,
            c.cookieWindowDays, c.holdDays, c.attribution, json(c.saleRule), json(c.leadRule), c.firstPartyPath ?? null],
        )
        return toCampaign(rows[0]!)
      }),
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM campaigns WHERE id = $1', [id])
      return rows[0] ? toCampaign(rows[0]) : null
    },
    async listByAdvertiser(advertiserId) {
      const { rows } = await sql.query('SELECT * FROM campaigns WHERE advertiser_id = $1 ORDER BY seq', [advertiserId])
      return rows.map(toCampaign)
    },
    async listActive() {
      const { rows } = await sql.query(`SELECT * FROM campaigns WHERE status = 'active' ORDER BY seq`)
      return rows.map(toCampaign)
    },
    async update(id, patch) {
      // One statement: concurrent updates of different fields never lose each other's change.
      const columns: Record<string, [string, (v: unknown) => unknown]> = {
        name: ['name', (v) => v], description: ['description', (v) => v], status: ['status', (v) => v], currency: ['currency', (v) => v],
        landingUrls: ['landing_urls', (v) => v], cookieWindowDays: ['cookie_window_days', (v) => v], holdDays: ['hold_days', (v) => v],
        attribution: ['attribution', (v) => v], saleRule: ['sale_rule', json], leadRule: ['lead_rule', json],
        firstPartyPath: ['first_party_path', (v) => v],
      }
      const params: unknown[] = [id]
      const sets = Object.entries(patch).filter(([field, value]) => field in columns && value !== undefined).map(([field, value]) => {
        const [column, encode] = columns[field]!
        return `${column} = $${params.push(encode(value))}`
      })
      const { rows } = await sql.query(`UPDATE campaigns SET ${sets.length ? sets.join(', ') : 'id = id'} WHERE id = $1 RETURNING *`, params)
      return rows[0] ? toCampaign(rows[0]) : null
    },
  }
}
