// Conversions and their ledger entries change together in MongoDB multi-document transactions, which
// need a replica set: MONGODB_URI must point to one (Atlas, or a single-node `mongod --replSet`).
import type { QueryFilter } from 'mongoose'
import type { Conversion, ConversionRepository } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import { insertEntries } from './ledger.js'
import { nextSeq, type ConversionDoc, type Models } from './models.js'

const toConversion = (d: ConversionDoc): Conversion => ({
  id: d._id,
  advertiserId: d.advertiserId,
  campaignId: d.campaignId ?? null,
  trackingCodeId: d.trackingCodeId ?? null,
  publisherId: d.publisherId ?? null,
  clickId: d.clickId ?? null,
  type: d.type,
  orderId: d.orderId,
  amount: d.amount,
  currency: d.currency,
  commission: d.commission,
  commissionCurrency: d.commissionCurrency,
  commissionRule: d.commissionRule ?? null,
  status: d.status,
  reason: d.reason,
  source: d.source,
  refundedAmount: d.refundedAmount,
  reversedCommission: d.reversedCommission,
  customerEmail: d.customerEmail ?? null,
  createdAt: d.createdAt,
  approveAt: d.approveAt ?? null,
  decidedAt: d.decidedAt ?? null,
})

export function conversions(m: Models): ConversionRepository {
  const getByOrder = async (advertiserId: string, orderId: string) => {
    const d = await m.Conversion.findOne({ advertiserId, orderId }).lean<ConversionDoc>()
    return d ? toConversion(d) : null
  }
  return {
    async forgetBefore(before) {
      const { modifiedCount } = await m.Conversion.updateMany({ createdAt: { $lt: before }, customerEmail: { $ne: null } }, { $set: { customerEmail: null } })
      return modifiedCount
    },
    async insertIfAbsent(c, ledger) {
      const { id, ...fields } = c
      const doc: ConversionDoc = { _id: id, ...fields, createdAt: new Date(), seq: nextSeq(), decidedAt: null }
      try {
        await m.connection.transaction(async (session) => {
          await m.Conversion.create([doc], { session })
          await insertEntries(m, session, ledger)
        })
        return { conversion: toConversion(doc), created: true }
      } catch (error) {
        // The unique (advertiserId, orderId) index refused it: another request recorded this order first.
        // Concurrent inserts of one order meet as write conflicts, which the transaction retries until the
        // first has committed and this one sees the duplicate key.
        if (!isDuplicateKey(error)) throw error
        const existing = await getByOrder(c.advertiserId, c.orderId)
        if (!existing) throw error
        return { conversion: existing, created: false }
      }
    },
    async get(id) {
      const d = await m.Conversion.findById(id).lean<ConversionDoc>()
      return d ? toConversion(d) : null
    },
    getByOrder,
    async list(q) {
      const filter: QueryFilter<ConversionDoc> = {}
      if (q.advertiserId) filter.advertiserId = q.advertiserId
      if (q.publisherId) filter.publisherId = q.publisherId
      if (q.campaignId) filter.campaignId = q.campaignId
      if (q.status) filter.status = q.status
      if (q.from || q.to) filter.createdAt = { ...(q.from && { $gte: q.from }), ...(q.to && { $lt: q.to }) }
      if (q.dueBefore) filter.approveAt = { $lte: q.dueBefore }
      const docs = await m.Conversion.find(filter).sort({ createdAt: -1, seq: -1 }).limit(q.limit ?? 100).lean<ConversionDoc[]>()
      return docs.map(toConversion)
    },
    async upgrade(u) {
      return m.connection.transaction(async (session) => {
        const d = await m.Conversion.findOneAndUpdate(
          { _id: u.id, status: 'pending', publisherId: null, refundedAmount: 0, createdAt: { $gte: u.createdAfter } },
          { $set: { ...u.set } },
          { returnDocument: 'after', session },
        ).lean<ConversionDoc>()
        if (!d) return null
        await insertEntries(m, session, u.ledger)
        return toConversion(d)
      })
    },
    async transition(t) {
      return m.connection.transaction(async (session) => {
        // Compare-and-set: the update matches only while the status is one of `from`.
        const d = await m.Conversion.findOneAndUpdate(
          { _id: t.id, status: { $in: t.from }, ...(t.whenRefundedAmount !== undefined && { refundedAmount: t.whenRefundedAmount }) },
          { $set: { ...t.set } },
          { returnDocument: 'after', session },
        ).lean<ConversionDoc>()
        if (!d) return null
        await insertEntries(m, session, t.ledger)
        return toConversion(d)
      })
    },
  }
}
