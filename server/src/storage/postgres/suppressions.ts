import type { SuppressionRepository } from '../contract/index.js'
import type { SqlPool } from './sql.js'

export function suppressions(sql: SqlPool): SuppressionRepository {
  return {
    async add(addressHash) {
      await sql.query('INSERT INTO suppressions (address_hash) VALUES ($1) ON CONFLICT DO NOTHING', [addressHash])
    },
    async has(addressHash) {
      const { rows } = await sql.query('SELECT 1 FROM suppressions WHERE address_hash = $1', [addressHash])
      return rows.length > 0
    },
  }
}
