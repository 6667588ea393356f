import type { OutboxEmail, OutboxRepository } from '../contract/index.js'
import { nextSeq, type Models, type OutboxDoc } from './models.js'

const toOutbox = (d: OutboxDoc): OutboxEmail => ({
  id: d._id,
  messageId: d.messageId ?? null,
  from: d.from,
  to: d.to,
  subject: d.subject,
  html: d.html,
  text: d.text,
  headers: d.headers,
  createdAt: d.createdAt,
})

export function outbox(m: Models): OutboxRepository {
  return {
    async add(e) {
      const { id, ...fields } = e
      const doc: OutboxDoc = { _id: id, ...fields, createdAt: new Date(), seq: nextSeq() }
      await m.Outbox.create(doc)
      return toOutbox(doc)
    },
    async get(id) {
      const d = await m.Outbox.findById(id).lean<OutboxDoc>()
      return d ? toOutbox(d) : null
    },
    async list(limit = 50) {
      const docs = await m.Outbox.find().sort({ createdAt: -1, seq: -1 }).limit(limit).lean<OutboxDoc[]>()
      return docs.map(toOutbox)
    },
  }
}
