import type { Message, MessageRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'

export const toMessage = (r: Row): Message => ({
  id: r.id as string,
  accountId: r.account_id as string,
  orderId: (r.order_id as string | null) ?? null,
  channel: r.channel as Message['channel'],
  recipient: (r.recipient as string | null) ?? null,
  subject: r.subject as string,
  tags: r.tags as string[],
  campaignIds: r.campaign_ids as string[],
  status: r.status as Message['status'],
  attempts: r.attempts as number,
  leaseUntil: (r.lease_until as Date | null) ?? null,
  providerId: (r.provider_id as string | null) ?? null,
  error: (r.error as string | null) ?? null,
  createdAt: r.created_at as Date,
  sentAt: (r.sent_at as Date | null) ?? null,
})

/** The columns a patch may set, by field name. */
const patchable: Record<string, string> = {
  status: 'status', providerId: 'provider_id', error: 'error', sentAt: 'sent_at', leaseUntil: 'lease_until',
  subject: 'subject', campaignIds: 'campaign_ids', tags: 'tags',
}

export function messages(sql: SqlPool): MessageRepository {
  const get = async (id: string) => {
    const { rows } = await sql.query('SELECT * FROM messages WHERE id = $1', [id])
    return rows[0] ? toMessage(rows[0]) : null
  }
  return {
    async insertIfAbsent(m) {
      const { rows } = await sql.query(
        `INSERT INTO messages (id, account_id, order_id, channel, recipient, subject, tags, campaign_ids, status)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
         ON CONFLICT (account_id, order_id) WHERE order_id IS NOT NULL DO NOTHING RETURNING *`,
        [m.id, m.accountId, m.orderId, m.channel, m.recipient?.toLowerCase() ?? null, m.subject, m.tags, m.campaignIds, m.status],
      )
      if (rows[0]) return { message: toMessage(rows[0]), created: true }
      const existing = await sql.query('SELECT * FROM messages WHERE account_id = $1 AND order_id = $2', [m.accountId, m.orderId])
      return { message: toMessage(existing.rows[0]!), created: false }
    },
    get,
    async claim(id, leaseUntil) {
      const { rows } = await sql.query(
        `UPDATE messages SET status = 'sending', attempts = attempts + 1, lease_until = $2
         WHERE id = $1 AND status = 'queued' RETURNING *`,
        [id, leaseUntil],
      )
      return rows[0] ? toMessage(rows[0]) : null
    },
    async update(id, from, patch) {
      const params: unknown[] = [id, from]
      const sets = Object.entries(patch).filter(([, value]) => value !== undefined).map(([field, value]) => `${patchable[field]} = $${params.push(value)}`)
      const { rows } = await sql.query(
        `UPDATE messages SET ${sets.length ? sets.join(', ') : 'id = id'} WHERE id = $1 AND status = ANY($2) RETURNING *`,
        params,
      )
      return rows[0] ? toMessage(rows[0]) : null
    },
    async listExpiredLeases(now, limit = 100) {
      const { rows } = await sql.query(
        `SELECT * FROM messages WHERE status = 'sending' AND lease_until < $1 ORDER BY lease_until LIMIT $2`,
        [now, limit],
      )
      return rows.map(toMessage)
    },
    async listByAccount(accountId, limit = 100) {
      const { rows } = await sql.query('SELECT * FROM messages WHERE account_id = $1 ORDER BY seq DESC LIMIT $2', [accountId, limit])
      return rows.map(toMessage)
    },
    async forgetBefore(before) {
      const { rowCount } = await sql.query(
        'UPDATE messages SET recipient = NULL WHERE created_at < $1 AND recipient IS NOT NULL',
        [before],
      )
      return rowCount
    },
  }
}
