import type { TrackingCode, TrackingCodeRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import type { Row, SqlPool } from './sql.js'

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

export function trackingCodes(sql: SqlPool): TrackingCodeRepository {
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
