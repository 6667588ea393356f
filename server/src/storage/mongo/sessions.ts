import type { Session, SessionRepository } from '../contract/index.js'
import type { Models } from './models.js'
import type { SessionDoc } from './portalModels.js'

const toSession = (d: SessionDoc): Session => ({
  id: d._id,
  accountId: d.accountId,
  csrfToken: d.csrfToken,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
})

export function sessions(m: Models): SessionRepository {
  return {
    async create(s) {
      const { id, ...fields } = s
      const doc: SessionDoc = { _id: id, ...fields, createdAt: new Date() }
      await m.Session.create(doc)
      return toSession(doc)
    },
    async get(id, now = new Date()) {
      const d = await m.Session.findOne({ _id: id, expiresAt: { $gt: now } }).lean<SessionDoc>()
      return d ? toSession(d) : null
    },
    async touch(id, expiresAt) {
      const { matchedCount } = await m.Session.updateOne({ _id: id, expiresAt: { $gt: new Date() } }, { $set: { expiresAt } })
      return matchedCount > 0
    },
    async remove(id) {
      const { deletedCount } = await m.Session.deleteOne({ _id: id })
      return deletedCount > 0
    },
    async removeByAccount(accountId) {
      const { deletedCount } = await m.Session.deleteMany({ accountId })
      return deletedCount
    },
    async purgeExpired(before) {
      const { deletedCount } = await m.Session.deleteMany({ expiresAt: { $lt: before } })
      return deletedCount
    },
  }
}
