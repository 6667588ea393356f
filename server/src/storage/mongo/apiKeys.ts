import type { ApiKey, ApiKeyRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import { nextSeq, type ApiKeyDoc, type Models } from './models.js'

const toApiKey = (d: ApiKeyDoc): ApiKey => ({
  id: d._id,
  accountId: d.accountId,
  name: d.name,
  prefix: d.prefix,
  hash: d.hash,
  createdAt: d.createdAt,
  revokedAt: d.revokedAt ?? null,
})

export function apiKeys(m: Models): ApiKeyRepository {
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
