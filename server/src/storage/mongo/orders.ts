import type { QueryFilter } from 'mongoose'
import type { NewOrder, Order, OrderRepository } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import { nextSeq, type Models, type OrderDoc } from './models.js'

const toOrder = (d: OrderDoc): Order => ({
  id: d._id,
  accountId: d.accountId,
  externalId: d.externalId,
  customerId: d.customerId ?? null,
  email: d.email ?? null,
  name: d.name ?? null,
  total: d.total,
  currency: d.currency,
  status: d.status,
  items: d.items.map((i) => ({ sku: i.sku ?? null, name: i.name, quantity: i.quantity, price: i.price })),
  orderedAt: d.orderedAt,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
})

export function orders(m: Models): OrderRepository {
  /** One round trip: matches on (accountId, externalId), inserts when nothing matches. */
  const write = async (o: NewOrder, keepOrderedAt: boolean) => {
    const now = new Date()
    const result = await m.Order.findOneAndUpdate(
      { accountId: o.accountId, externalId: o.externalId },
      {
        // The match's fields (accountId, externalId) are not set: an insert takes them from the filter.
        $set: {
          customerId: o.customerId, email: o.email?.toLowerCase() ?? null, name: o.name, total: o.total, currency: o.currency,
          status: o.status, items: o.items, ...(!keepOrderedAt && { orderedAt: o.orderedAt }), updatedAt: now,
        },
        // An update keeps the order's first id and creation time (and, when asked, its order time).
        $setOnInsert: { _id: o.id, createdAt: now, seq: nextSeq(), ...(keepOrderedAt && { orderedAt: o.orderedAt }) },
      },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true, lean: true },
    )
    return { order: toOrder(result.value as OrderDoc), created: !result.lastErrorObject?.updatedExisting }
  }
  return {
    async upsert(o, options = {}) {
      const keep = options.keepOrderedAt === true
      try {
        return await write(o, keep)
      } catch (error) {
        // Two first notifications of one order can both find nothing and both insert; the unique index
        // refuses the second. The server retries such an upsert as an update itself (its match is exactly the
        // unique index's fields), so this is a fallback: once more, it finds the first one and updates it.
        if (!isDuplicateKey(error)) throw error
        return write(o, keep)
      }
    },
    async get(id) {
      const d = await m.Order.findById(id).lean<OrderDoc>()
      return d ? toOrder(d) : null
    },
    async getByExternalId(accountId, externalId) {
      const d = await m.Order.findOne({ accountId, externalId }).lean<OrderDoc>()
      return d ? toOrder(d) : null
    },
    async list(q) {
      const filter: QueryFilter<OrderDoc> = { accountId: q.accountId }
      if (q.from || q.to) filter.orderedAt = { ...(q.from && { $gte: q.from }), ...(q.to && { $lt: q.to }) }
      const docs = await m.Order.find(filter).sort({ orderedAt: -1, seq: -1 }).limit(q.limit ?? 100).lean<OrderDoc[]>()
      return docs.map(toOrder)
    },
    async forgetBefore(before) {
      const { modifiedCount } = await m.Order.updateMany(
        { createdAt: { $lt: before }, $or: [{ email: { $ne: null } }, { name: { $ne: null } }] },
        { $set: { email: null, name: null } },
      )
      return modifiedCount
    },
  }
}
