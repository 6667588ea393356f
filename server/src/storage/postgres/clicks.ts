import type { Click, ClickRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'

const toClick = (r: Row): Click => ({
  id: r.id as string,
  linkId: r.link_id as string,
  campaignId: r.campaign_id as string,
  advertiserId: r.advertiser_id as string,
  publisherId: r.publisher_id as string,
  createdAt: r.created_at as Date,
  subIds: r.sub_ids as (string | null)[],
  userAgent: (r.user_agent as string | null) ?? null,
  referrer: (r.referrer as string | null) ?? null,
  ipHash: (r.ip_hash as string | null) ?? null,
  visitorKey: r.visitor_key as string,
  bot: r.bot as boolean,
  duplicate: r.duplicate as boolean,
  landingUrl: r.landing_url as string,
})

export function clicks(sql: SqlPool): ClickRepository {
  return {
    async insertMany(batch, options = {}) {
      if (batch.length === 0) return
      const records = batch.map((c) => ({
        id: c.id, link_id: c.linkId, campaign_id: c.campaignId, advertiser_id: c.advertiserId,
        publisher_id: c.publisherId, created_at: c.createdAt.toISOString(), sub_ids: c.subIds,
        user_agent: c.userAgent, referrer: c.referrer, ip_hash: c.ipHash, visitor_key: c.visitorKey,
        bot: c.bot, duplicate: c.duplicate, landing_url: c.landingUrl,
      }))
      // The duplicate look-up rides along with the insert: one statement for the whole batch.
      await sql.query(
        `INSERT INTO clicks (id, link_id, campaign_id, advertiser_id, publisher_id, created_at, sub_ids, user_agent,
           referrer, ip_hash, visitor_key, bot, duplicate, landing_url)
         SELECT id, link_id, campaign_id, advertiser_id, publisher_id, created_at, sub_ids, user_agent,
           referrer, ip_hash, visitor_key, bot,
           duplicate OR ($2::int8 > 0 AND EXISTS (SELECT 1 FROM clicks c WHERE c.link_id = x.link_id AND c.visitor_key = x.visitor_key
             AND c.created_at >= x.created_at - make_interval(secs => $2::int8 / 1000.0) AND c.created_at <= x.created_at)),
           landing_url
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, link_id text, campaign_id text, advertiser_id text,
           publisher_id text, created_at timestamptz, sub_ids text[], user_agent text, referrer text, ip_hash text,
           visitor_key text, bot boolean, duplicate boolean, landing_url text)
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(records), options.duplicateWindowMs ?? 0],
      )
    },
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM clicks WHERE id = $1', [id])
      return rows[0] ? toClick(rows[0]) : null
    },
  }
}
