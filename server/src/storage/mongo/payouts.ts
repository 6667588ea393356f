// Payout batches and their payouts; a batch and its payouts are written in one transaction.
import type { Payout, PayoutBatch, PayoutRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import { nextSeq, type Models } from './models.js'
import type { PayoutBatchDoc, PayoutDoc } from './portalModels.js'

const toBatch = (d: PayoutBatchDoc): PayoutBatch => ({
  id: d._id,
  period: d.period,
  status: d.status,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  paidAt: d.paidAt ?? null,
})

const toPayout = (d: PayoutDoc): Payout => ({
  id: d._id,
  batchId: d.batchId,
  accountId: d.accountId,
  amount: d.amount,
  currency: d.currency,
  status: d.status,
  note: d.note ?? null,
  createdAt: d.createdAt,
  paidAt: d.paidAt ?? null,
})

export function payouts(m: Models): PayoutRepository {
  return {
    createBatch: (b, list) =>
      uniquely('payout batch', async () => {
        const createdAt = new Date()
        const batch: PayoutBatchDoc = { _id: b.id, period: b.period, createdBy: b.createdBy, status: 'scheduled', createdAt, paidAt: null, seq: nextSeq() }
        const docs: PayoutDoc[] = list.map((p) => ({
          _id: p.id, batchId: b.id, accountId: p.accountId, amount: p.amount, currency: p.currency, status: 'scheduled',
          note: null, createdAt, paidAt: null, seq: nextSeq(),
        }))
        await m.connection.transaction(async (session) => {
          await m.PayoutBatch.create([batch], { session })
          if (docs.length > 0) await m.Payout.insertMany(docs, { session, lean: true })
        })
        return { batch: toBatch(batch), payouts: docs.map(toPayout) }
      }),
    async getBatch(id) {
      const d = await m.PayoutBatch.findById(id).lean<PayoutBatchDoc>()
      return d ? toBatch(d) : null
    },
    async listBatches(limit = 100) {
      const docs = await m.PayoutBatch.find().sort({ createdAt: -1, seq: -1 }).limit(limit).lean<PayoutBatchDoc[]>()
      return docs.map(toBatch)
    },
    async setBatchStatus(id, from, status, paidAt) {
      const d = await m.PayoutBatch.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: { status, paidAt } }, { returnDocument: 'after' })
        .lean<PayoutBatchDoc>()
      return d ? toBatch(d) : null
    },
    async get(id) {
      const d = await m.Payout.findById(id).lean<PayoutDoc>()
      return d ? toPayout(d) : null
    },
    async listByBatch(batchId) {
      const docs = await m.Payout.find({ batchId }).sort({ createdAt: 1, seq: 1 }).lean<PayoutDoc[]>()
      return docs.map(toPayout)
    },
    async listByAccount(accountId, limit = 100) {
      const docs = await m.Payout.find({ accountId }).sort({ createdAt: -1, seq: -1 }).limit(limit).lean<PayoutDoc[]>()
      return docs.map(toPayout)
    },
    async update(id, from, patch) {
      const d = await m.Payout.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: { ...patch } }, { returnDocument: 'after' }).lean<PayoutDoc>()
      return d ? toPayout(d) : null
    },
    async payable() {
      type Sum = { _id: { accountId: string; currency: string }; total: number }
      const [approved, scheduled] = await Promise.all([
        m.LedgerEntry.aggregate<Sum>([
          { $match: { bucket: 'approved' } },
          { $group: { _id: { accountId: '$accountId', currency: '$currency' }, total: { $sum: '$amount' } } },
          { $match: { total: { $gt: 0 } } },
          { $sort: { '_id.accountId': 1, '_id.currency': 1 } },
        ]),
        m.Payout.aggregate<Sum>([
          { $match: { status: 'scheduled' } },
          { $group: { _id: { accountId: '$accountId', currency: '$currency' }, total: { $sum: '$amount' } } },
        ]),
      ])
      const held = new Map(scheduled.map((s) => [`${s._id.accountId}\n${s._id.currency}`, s.total]))
      return approved.map(({ _id: { accountId, currency }, total }) => ({
        accountId, currency, approved: total, scheduled: held.get(`${accountId}\n${currency}`) ?? 0,
      }))
    },
  }
}
