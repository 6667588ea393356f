// Revenue from campaigns: an account's settings; the version grows when the channel rules change.
import type { ChannelRules, RevenueSettings, RevenueSettingsRepository } from '../contract/index.js'
import type { Row, SqlPool } from './sql.js'

const toSettings = (r: Row): RevenueSettings => ({
  accountId: r.account_id as string,
  channels: r.channels as ChannelRules,
  currency: (r.currency as string).trim(),
  excludedTags: r.excluded_tags as string[],
  version: r.version as number,
  updatedAt: r.updated_at as Date,
})

export function revenueSettings(sql: SqlPool): RevenueSettingsRepository {
  return {
    async get(accountId) {
      const { rows } = await sql.query('SELECT * FROM revenue_settings WHERE account_id = $1', [accountId])
      return rows[0] ? toSettings(rows[0]) : null
    },
    async put(s) {
      const { rows } = await sql.query(
        `INSERT INTO revenue_settings (account_id, channels, currency, excluded_tags, version) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (account_id) DO UPDATE SET channels = EXCLUDED.channels, currency = EXCLUDED.currency,
           excluded_tags = EXCLUDED.excluded_tags, updated_at = now(),
           version = revenue_settings.version + CASE WHEN revenue_settings.channels = EXCLUDED.channels THEN 0 ELSE 1 END
         RETURNING *`,
        [s.accountId, JSON.stringify(s.channels), s.currency, s.excludedTags],
      )
      return toSettings(rows[0]!)
    },
  }
}
