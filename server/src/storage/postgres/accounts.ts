import type { Account, ApiKey, Storage } from '../types.js'
import { uniquely } from './errors.js'
import type { Row, SqlPool } from './sql.js'

const toAccount = (r: Row): Account => ({
  id: r.id as string,
  name: r.name as string,
  email: r.email as string,
  roles: r.roles as Account['roles'],
  status: r.status as Account['status'],
  passwordHash: (r.password_hash as string | null) ?? null,
  createdAt: r.created_at as Date,
})

const toApiKey = (r: Row): ApiKey => ({
  id: r.id as string,
  accountId: r.account_id as string,
  name: r.name as string,
  prefix: r.prefix as string,
  hash: r.hash as string,
  createdAt: r.created_at as Date,
  revokedAt: (r.revoked_at as Date | null) ?? null,
})

export function accounts(sql: SqlPool): Storage['accounts'] {
  return {
    create: (a) =>
      uniquely('account', async () => {
        const { rows } = await sql.query(
          `INSERT INTO accounts (id, name, email, roles, status, password_hash) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *`,
          [a.id, a.name, a.email.toLowerCase(), a.roles, a.status, a.passwordHash],
        )
        return toAccount(rows[0]!)
      }),
    async get(id) {
      const { rows } = await sql.query('SELECT * FROM accounts WHERE id = $1', [id])
      return rows[0] ? toAccount(rows[0]) : null
    },
    async getByEmail(email) {
      const { rows } = await sql.query('SELECT * FROM accounts WHERE email = $1', [email.toLowerCase()])
      return rows[0] ? toAccount(rows[0]) : null
    },
    async list() {
      const { rows } = await sql.query('SELECT * FROM accounts ORDER BY seq')
      return rows.map(toAccount)
    },
    async update(id, patch) {
      const { rows } = await sql.query(
        `UPDATE accounts SET name = COALESCE($2, name), roles = COALESCE($3, roles), status = COALESCE($4, status),
           password_hash = CASE WHEN $5::boolean THEN $6 ELSE password_hash END
         WHERE id = $1 RETURNING *`,
        [id, patch.name ?? null, patch.roles ?? null, patch.status ?? null, 'passwordHash' in patch, patch.passwordHash ?? null],
      )
      return rows[0] ? toAccount(rows[0]) : null
    },
  }
}

export function apiKeys(sql: SqlPool): Storage['apiKeys'] {
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
