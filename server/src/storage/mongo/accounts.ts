import type { Account, AccountRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import { nextSeq, type AccountDoc, type Models } from './models.js'

const toAccount = (d: AccountDoc): Account => ({
  id: d._id,
  name: d.name,
  email: d.email,
  roles: d.roles,
  status: d.status,
  passwordHash: d.passwordHash ?? null,
  createdAt: d.createdAt,
})

export function accounts(m: Models): AccountRepository {
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
