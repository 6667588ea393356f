import type { Link, LinkRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import type { Row, SqlPool } from './sql.js'

const toLink = (r: Row): Link => ({
  id: r.id as string,
  code: r.code as string,
  campaignId: r.campaign_id as string,
  advertiserId: r.advertiser_id as string,
  publisherId: r.publisher_id as string,
  landingUrl: r.landing_url as string,
  status: r.status as Link['status'],
  createdAt: r.created_at as Date,
})

export function links(sql: SqlPool): LinkRepository {
  const one = async (where: string, value: string) => {
    const { rows } = await sql.query(`SELECT * FROM links WHERE ${where} = $1`, [value])
    return rows[0] ? toLink(rows[0]) : null
  }
  return {
    create: (l) =>
      uniquely('link', async () => {
        const { rows } = await sql.query(
          `INSERT INTO links (id, code, campaign_id, advertiser_id, publisher_id, landing_url, status)
           VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
          [l.id, l.code, l.campaignId, l.advertiserId, l.publisherId, l.landingUrl, l.status],
        )
        return toLink(rows[0]!)
      }),
    get: (id) => one('id', id),
    getByCode: (code) => one('code', code),
    async listByPublisher(publisherId) {
      const { rows } = await sql.query('SELECT * FROM links WHERE publisher_id = $1 ORDER BY seq', [publisherId])
      return rows.map(toLink)
    },
    async listByCampaign(campaignId) {
      const { rows } = await sql.query('SELECT * FROM links WHERE campaign_id = $1 ORDER BY seq', [campaignId])
      return rows.map(toLink)
    },
    async setStatus(id, status) {
      const { rows } = await sql.query('UPDATE links SET status = $2 WHERE id = $1 RETURNING *', [id, status])
      return rows[0] ? toLink(rows[0]) : null
    },
  }
}
