import type { Account, ApiKey, Storage } from '../types.js'
import { uniquely } from './errors.js'
import { nextSeq, type AccountDoc, type ApiKeyDoc, type Models } from './models.js'

const toAccount = (d: AccountDoc): Account => ({
  id: d._id,
  name: d.name,
  email: d.email,
  roles: d.roles,
  status: d.status,
  passwordHash: d.passwordHash ?? null,
  createdAt: d.createdAt,
})

const toApiKey = (d: ApiKeyDoc): ApiKey => ({
  id: d._id,
  accountId: d.accountId,
  name: d.name,
  prefix: d.prefix,
  hash: d.hash,
  createdAt: d.createdAt,
  revokedAt: d.revokedAt ?? null,
})

export function accounts(m: Models): Storage['accounts'] {
  return {
    create: (a) =>
      uniquely('account', async () => {
        const { id, ...fields } = a
        const doc: AccountDoc = { _id: id, ...fields, email: a.email.toLowerCase(), createdAt: new Date(), seq: nextSeq() }
        await m.Account.create(doc)
        return toAccount(doc)
      }),
    async get(id) {
      const d = await m.Account.findById(id).lean<AccountDoc>()
      return d ? toAccount(d) : null
    },
    async getByEmail(email) {
      const d = await m.Account.findOne({ email: email.toLowerCase() }).lean<AccountDoc>()
      return d ? toAccount(d) : null
    },
    async list() {
      const docs = await m.Account.find().sort({ createdAt: 1, seq: 1 }).lean<AccountDoc[]>()
      return docs.map(toAccount)
    },
    async update(id, patch) {
      // Mongoose drops undefined keys from an update: a field absent from the patch is left as it is,
      // while `passwordHash: null` is written.
      const d = await m.Account.findByIdAndUpdate(id, { $set: { ...patch } }, { returnDocument: 'after' }).lean<AccountDoc>()
      return d ? toAccount(d) : null
    },
  }
}

export function apiKeys(m: Models): Storage['apiKeys'] {
  return {
    create: (k) =>
      uniquely('api key', async () => {
        const { id, ...fields } = k
        const doc: ApiKeyDoc = { _id: id, ...fields, createdAt: new Date(), seq: nextSeq(), revokedAt: null }
        await m.ApiKey.create(doc)
        return toApiKey(doc)
      }),
    async findActiveByHash(hash) {
      const d = await m.ApiKey.findOne({ hash, revokedAt: null }).lean<ApiKeyDoc>()
      return d ? toApiKey(d) : null
    },
    async listByAccount(accountId) {
      const docs = await m.ApiKey.find({ accountId }).sort({ createdAt: 1, seq: 1 }).lean<ApiKeyDoc[]>()
      return docs.map(toApiKey)
    },
    async revoke(accountId, id) {
      const { modifiedCount } = await m.ApiKey.updateOne({ _id: id, accountId, revokedAt: null }, { $set: { revokedAt: new Date() } })
      return modifiedCount > 0
    },
  }
}
