// Revenue from campaigns: what happened to a message (Mailgun's events), and the message a provider id names.
import { randomUUID } from 'node:crypto'
import type { MessageEvent, MessageEventRepository } from '../contract/index.js'
import { providerIdForms } from '../revenueRules.js'
import { isDuplicateKey } from './errors.js'
import { toMessage } from './messages.js'
import { nextSeq, type MessageDoc, type Models } from './models.js'
import type { MessageEventDoc } from './revenueModels.js'

const toEvent = (d: MessageEventDoc): MessageEvent => ({
  messageId: d.messageId,
  type: d.type,
  at: d.at,
  providerEventId: d.providerEventId ?? null,
  createdAt: d.createdAt,
})

export function messageEvents(m: Models): MessageEventRepository {
  return {
    async record(e) {
      const doc: MessageEventDoc = { _id: e.providerEventId ?? randomUUID(), ...e, createdAt: new Date(), seq: nextSeq() }
      try {
        await m.MessageEvent.create(doc)
        return { event: toEvent(doc), created: true }
      } catch (error) {
        if (!isDuplicateKey(error) || e.providerEventId === null) throw error
        const existing = await m.MessageEvent.findById(e.providerEventId).lean<MessageEventDoc>()
        if (!existing) throw error
        return { event: toEvent(existing), created: false }
      }
    },
    async listByMessage(messageId) {
      const docs = await m.MessageEvent.find({ messageId }).sort({ at: 1, seq: 1 }).lean<MessageEventDoc[]>()
      return docs.map(toEvent)
    },
    async findMessage(providerId) {
      const d = await m.Message.findOne({ providerId: { $in: providerIdForms(providerId) } }).sort({ createdAt: 1, seq: 1 }).lean<MessageDoc>()
      return d ? toMessage(d) : null
    },
  }
}
