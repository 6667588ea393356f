import type { RateLimitRepository, RateLimitWindow } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'

const toWindow = (r: Row): RateLimitWindow => ({ count: Number(r.count), resetAt: r.reset_at as Date })

export function rateLimits(sql: SqlPool): RateLimitRepository {
  return {
    async hit(key, windowMs, now = new Date()) {
      // One statement: concurrent hits on one key queue on its row, so each sees the count the one before left.
      const { rows } = await sql.query(
        `INSERT INTO rate_limits (key, count, reset_at) VALUES ($1, 1, $3)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN rate_limits.reset_at > $2::timestamptz THEN rate_limits.count + 1 ELSE 1 END,
           reset_at = CASE WHEN rate_limits.reset_at > $2::timestamptz THEN rate_limits.reset_at ELSE EXCLUDED.reset_at END
         RETURNING count, reset_at`,
        [key, now, new Date(now.getTime() + windowMs)],
      )
      return toWindow(rows[0]!)
    },
    async get(key, now = new Date()) {
      const { rows } = await sql.query('SELECT count, reset_at FROM rate_limits WHERE key = $1 AND reset_at > $2', [key, now])
      return rows[0] ? toWindow(rows[0]) : null
    },
    async clear(key) {
      const { rowCount } = await sql.query('DELETE FROM rate_limits WHERE key = $1', [key])
      return rowCount > 0
    },
    async purge(before) {
      const { rowCount } = await sql.query('DELETE FROM rate_limits WHERE reset_at < $1', [before])
      return rowCount
    },
  }
}
