import type { Account, AccountRepository } from '../contract/index.js'
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

export function accounts(sql: SqlPool): AccountRepository {
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
