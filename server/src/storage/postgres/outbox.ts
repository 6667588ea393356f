import type { OutboxEmail, OutboxRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'

const toOutbox = (r: Row): OutboxEmail => ({
  id: r.id as string,
  messageId: (r.message_id as string | null) ?? null,
  from: r.sender as string,
  to: r.recipient as string,
  subject: r.subject as string,
  html: r.html as string,
  text: r.text_body as string,
  headers: r.headers as Record<string, string>,
  createdAt: r.created_at as Date,
})

export function outbox(sql: SqlPool): OutboxRepository {
  return {
    async add(e) {
      const { rows } = await sql.query(
        `INSERT INTO outbox (id, message_id, sender, recipient, subject, html, text_body, headers)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING *`,
        [e.id, e.messageId, e.from, e.to, e.subject, e.html, e.text, JSON.stringify(e.headers)],
      )
      return toOutbox(rows[0]!)
    },
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM outbox WHERE id = $1', [id])
      return rows[0] ? toOutbox(rows[0]) : null
    },
    async list(limit = 50) {
      const { rows } = await sql.query('SELECT * FROM outbox ORDER BY seq DESC LIMIT $1', [limit])
      return rows.map(toOutbox)
    },
  }
}
