// Revenue from campaigns: what happened to a message (Mailgun's events), and the message a provider id names.
import type { MessageEvent, MessageEventRepository } from '../contract/index.js'
import { providerIdForms } from '../revenueRules.js'
import { toMessage } from './messages.js'
import type { Row, SqlPool } from './sql.js'

const toEvent = (r: Row): MessageEvent => ({
  messageId: r.message_id as string,
  type: r.type as MessageEvent['type'],
  at: r.at as Date,
  providerEventId: (r.provider_event_id as string | null) ?? null,
  createdAt: r.created_at as Date,
})

export function messageEvents(sql: SqlPool): MessageEventRepository {
  return {
    async record(e) {
      const { rows } = await sql.query(
        `INSERT INTO message_events (message_id, type, at, provider_event_id) VALUES ($1,$2,$3,$4)
         ON CONFLICT (provider_event_id) WHERE provider_event_id IS NOT NULL DO NOTHING RETURNING *`,
        [e.messageId, e.type, e.at, e.providerEventId],
      )
      if (rows[0]) return { event: toEvent(rows[0]), created: true }
      const existing = await sql.query('SELECT * FROM message_events WHERE provider_event_id = $1', [e.providerEventId])
      return { event: toEvent(existing.rows[0]!), created: false }
    },
    async listByMessage(messageId) {
      const { rows } = await sql.query('SELECT * FROM message_events WHERE message_id = $1 ORDER BY at, seq', [messageId])
      return rows.map(toEvent)
    },
    async findMessage(providerId) {
      const { rows } = await sql.query(
        'SELECT * FROM messages WHERE provider_id IN ($1, $2) ORDER BY seq LIMIT 1',
        providerIdForms(providerId),
      )
      return rows[0] ? toMessage(rows[0]) : null
    },
  }
}
