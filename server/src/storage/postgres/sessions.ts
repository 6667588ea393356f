import type { Session, SessionRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'

const toSession = (r: Row): Session => ({
  id: r.id as string,
  accountId: r.account_id as string,
  csrfToken: r.csrf_token as string,
  createdAt: r.created_at as Date,
  expiresAt: r.expires_at as Date,
})

export function sessions(sql: SqlPool): SessionRepository {
  return {
    async create(s) {
      const { rows } = await sql.query(
        'INSERT INTO portal_sessions (id, account_id, csrf_token, expires_at) VALUES ($1,$2,$3,$4) RETURNING *',
        [s.id, s.accountId, s.csrfToken, s.expiresAt],
      )
      return toSession(rows[0]!)
    },
    async get(id, now = new Date()) {
      const { rows } = await sql.query('SELECT * FROM portal_sessions WHERE id = $1 AND expires_at > $2', [id, now])
      return rows[0] ? toSession(rows[0]) : null
    },
    async touch(id, expiresAt) {
      const { rowCount } = await sql.query('UPDATE portal_sessions SET expires_at = $2 WHERE id = $1 AND expires_at > now()', [id, expiresAt])
      return rowCount > 0
    },
    async remove(id) {
      const { rowCount } = await sql.query('DELETE FROM portal_sessions WHERE id = $1', [id])
      return rowCount > 0
    },
    async removeByAccount(accountId) {
      const { rowCount } = await sql.query('DELETE FROM portal_sessions WHERE account_id = $1', [accountId])
      return rowCount
    },
    async purgeExpired(before) {
      const { rowCount } = await sql.query('DELETE FROM portal_sessions WHERE expires_at < $1', [before])
      return rowCount
    },
  }
}
