import type { Link, Storage, TrackingCode } from '../types.js'
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

const toTrackingCode = (r: Row): TrackingCode => ({
  id: r.id as string,
  code: r.code as string,
  advertiserId: r.advertiser_id as string,
  campaignId: r.campaign_id as string,
  name: r.name as string,
  method: r.method as TrackingCode['method'],
  redirectUrl: (r.redirect_url as string | null) ?? null,
  postbackSecret: r.postback_secret as string,
  status: r.status as TrackingCode['status'],
  createdAt: r.created_at as Date,
})

export function links(sql: SqlPool): Storage['links'] {
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

export function trackingCodes(sql: SqlPool): Storage['trackingCodes'] {
  const one = async (where: string, value: string) => {
    const { rows } = await sql.query(`SELECT * FROM tracking_codes WHERE ${where} = $1`, [value])
    return rows[0] ? toTrackingCode(rows[0]) : null
  }
  return {
    create: (t) =>
      uniquely('tracking code', async () => {
        const { rows } = await sql.query(
          `INSERT INTO tracking_codes (id, code, advertiser_id, campaign_id, name, method, redirect_url, postback_secret, status)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *`,
          [t.id, t.code, t.advertiserId, t.campaignId, t.name, t.method, t.redirectUrl, t.postbackSecret, t.status],
        )
        return toTrackingCode(rows[0]!)
      }),
    get: (id) => one('id', id),
    getByCode: (code) => one('code', code),
    async listByAdvertiser(advertiserId) {
      const { rows } = await sql.query('SELECT * FROM tracking_codes WHERE advertiser_id = $1 ORDER BY seq', [advertiserId])
      return rows.map(toTrackingCode)
    },
    async update(id, patch) {
      const columns: Record<string, string> = { name: 'name', method: 'method', redirectUrl: 'redirect_url', status: 'status', postbackSecret: 'postback_secret' }
      const params: unknown[] = [id]
      const sets = Object.entries(patch).filter(([field, value]) => field in columns && value !== undefined).map(([field, value]) => `${columns[field]} = $${params.push(value)}`)
      const { rows } = await sql.query(`UPDATE tracking_codes SET ${sets.length ? sets.join(', ') : 'id = id'} WHERE id = $1 RETURNING *`, params)
      return rows[0] ? toTrackingCode(rows[0]) : null
    },
  }
}
