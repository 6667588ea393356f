import type { Message, MessageRepository } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import { nextSeq, type MessageDoc, type Models } from './models.js'

export const toMessage = (d: MessageDoc): Message => ({
  id: d._id,
  accountId: d.accountId,
  orderId: d.orderId ?? null,
  channel: d.channel,
  recipient: d.recipient ?? null,
  subject: d.subject,
  tags: d.tags,
  campaignIds: d.campaignIds,
  status: d.status,
  attempts: d.attempts,
  leaseUntil: d.leaseUntil ?? null,
  providerId: d.providerId ?? null,
  error: d.error ?? null,
  createdAt: d.createdAt,
  sentAt: d.sentAt ?? null,
})

export function messages(m: Models): MessageRepository {
  return {
    async insertIfAbsent(msg) {
      const { id, ...fields } = msg
      const doc: MessageDoc = {
        _id: id, ...fields, recipient: msg.recipient?.toLowerCase() ?? null, attempts: 0, leaseUntil: null, providerId: null,
        error: null, createdAt: new Date(), sentAt: null, seq: nextSeq(),
      }
      try {
        await m.Message.create(doc)
        return { message: toMessage(doc), created: true }
      } catch (error) {
        // The partial unique (accountId, orderId) index refused it: a message for this order exists. A message
        // without an order is outside that index, so its duplicate key can only be a taken id.
        if (!isDuplicateKey(error) || msg.orderId === null) throw error
        const existing = await m.Message.findOne({ accountId: msg.accountId, orderId: msg.orderId }).lean<MessageDoc>()
        if (!existing) throw error
        return { message: toMessage(existing), created: false }
      }
    },
    async get(id) {
      const d = await m.Message.findById(id).lean<MessageDoc>()
      return d ? toMessage(d) : null
    },
    async claim(id, leaseUntil) {
      // Compare-and-set on one document: of concurrent claims, only the first still finds it queued.
      const d = await m.Message.findOneAndUpdate(
        { _id: id, status: 'queued' },
        { $set: { status: 'sending', leaseUntil }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      ).lean<MessageDoc>()
      return d ? toMessage(d) : null
    },
    async update(id, from, patch) {
      // Mongoose drops undefined keys from the update; an empty patch becomes a read under the same condition.
      const d = await m.Message.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: { ...patch } }, { returnDocument: 'after' })
        .lean<MessageDoc>()
      return d ? toMessage(d) : null
    },
    async listExpiredLeases(now, limit = 100) {
      const docs = await m.Message.find({ status: 'sending', leaseUntil: { $lt: now } }).sort({ leaseUntil: 1 }).limit(limit)
        .lean<MessageDoc[]>()
      return docs.map(toMessage)
    },
    async listByAccount(accountId, limit = 100) {
      const docs = await m.Message.find({ accountId }).sort({ createdAt: -1, seq: -1 }).limit(limit).lean<MessageDoc[]>()
      return docs.map(toMessage)
    },
    async forgetBefore(before) {
      const { modifiedCount } = await m.Message.updateMany({ createdAt: { $lt: before }, recipient: { $ne: null } }, { $set: { recipient: null } })
      return modifiedCount
    },
  }
}
