import type { ApiKey, ApiKeyRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import type { Row, SqlPool } from './sql.js'

const toApiKey = (r: Row): ApiKey => ({
  id: r.id as string,
  accountId: r.account_id as string,
  name: r.name as string,
  prefix: r.prefix as string,
  hash: r.hash as string,
  createdAt: r.created_at as Date,
  revokedAt: (r.revoked_at as Date | null) ?? null,
})

export function apiKeys(sql: SqlPool): ApiKeyRepository {
  return {
    create: (k) =>
      uniquely('api key', async () => {
        const { rows } = await sql.query(
          'INSERT INTO api_keys (id, account_id, name, prefix, hash) VALUES ($1,$2,$3,$4,$5) RETURNING *',
          [k.id, k.accountId, k.name, k.prefix, k.hash],
        )
        return toApiKey(rows[0]!)
      }),
    async findActiveByHash(hash) {
      const { rows } = await sql.query('SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL', [hash])
      return rows[0] ? toApiKey(rows[0]) : null
    },
    async listByAccount(accountId) {
      const { rows } = await sql.query('SELECT * FROM api_keys WHERE account_id = $1 ORDER BY seq', [accountId])
      return rows.map(toApiKey)
    },
    async revoke(accountId, id) {
      const { rowCount } = await sql.query(
        'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL',
        [id, accountId],
      )
      return rowCount > 0
    },
  }
}
