// Revenue from campaigns: webhook signature tokens already seen.
import type { WebhookTokenRepository } from '../contract/index.js'
import type { SqlPool } from './sql.js'

export function webhookTokens(sql: SqlPool): WebhookTokenRepository {
  return {
    async use(token, at) {
      const { rows } = await sql.query('INSERT INTO webhook_tokens (token, at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING token', [token, at])
      return rows.length > 0
    },
    async purgeBefore(before) {
      const { rowCount } = await sql.query('DELETE FROM webhook_tokens WHERE at < $1', [before])
      return rowCount
    },
  }
}
