import type { RequestLogEntry, RequestLogRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'
import { where } from './where.js'

const toEntry = (r: Row): RequestLogEntry => ({
  id: r.id as string,
  at: r.at as Date,
  kind: r.kind as RequestLogEntry['kind'],
  outcome: r.outcome as RequestLogEntry['outcome'],
  reason: r.reason as string,
  advertiserId: (r.advertiser_id as string | null) ?? null,
  trackingCodeId: (r.tracking_code_id as string | null) ?? null,
  linkId: (r.link_id as string | null) ?? null,
  conversionId: (r.conversion_id as string | null) ?? null,
  clickId: (r.click_id as string | null) ?? null,
  params: r.params as Record<string, string>,
  ipHash: (r.ip_hash as string | null) ?? null,
  userAgent: (r.user_agent as string | null) ?? null,
})

export function requestLog(sql: SqlPool): RequestLogRepository {
  return {
    async append(entries) {
      if (entries.length === 0) return
      const records = entries.map((e) => ({
        id: e.id, at: e.at.toISOString(), kind: e.kind, outcome: e.outcome, reason: e.reason,
        advertiser_id: e.advertiserId, tracking_code_id: e.trackingCodeId, link_id: e.linkId,
        conversion_id: e.conversionId, click_id: e.clickId, params: e.params, ip_hash: e.ipHash, user_agent: e.userAgent,
      }))
      await sql.query(
        `INSERT INTO request_log (id, at, kind, outcome, reason, advertiser_id, tracking_code_id, link_id, conversion_id,
           click_id, params, ip_hash, user_agent)
         SELECT id, at, kind, outcome, reason, advertiser_id, tracking_code_id, link_id, conversion_id, click_id,
           params, ip_hash, user_agent
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, at timestamptz, kind text, outcome text, reason text,
           advertiser_id text, tracking_code_id text, link_id text, conversion_id text, click_id text, params jsonb,
           ip_hash text, user_agent text)
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(records)],
      )
    },
    async list(q) {
      const w = where().and('advertiser_id = ?', q.advertiserId)
      if (q.trackingCodeId) w.and('tracking_code_id = ?', q.trackingCodeId)
      if (q.outcome) w.and('outcome = ?', q.outcome)
      if (q.reason) w.and('reason = ?', q.reason)
      if (q.from) w.and('at >= ?', q.from)
      if (q.to) w.and('at < ?', q.to)
      const { rows } = await sql.query(
        `SELECT * FROM request_log ${w.clause} ORDER BY at DESC, seq DESC LIMIT ${w.param(q.limit ?? 100)}`,
        w.params,
      )
      return rows.map(toEntry)
    },
    async purgeBefore(before) {
      const { rowCount } = await sql.query('DELETE FROM request_log WHERE at < $1', [before])
      return rowCount
    },
  }
}
