import type { QueryFilter } from 'mongoose'
import type { RequestLogEntry, RequestLogRepository } from '../contract/index.js'
import { nextSeq, type Models, type RequestLogDoc } from './models.js'
import { ignoreDuplicates } from './errors.js'

const toEntry = (d: RequestLogDoc): RequestLogEntry => ({
  id: d._id,
  at: d.at,
  kind: d.kind,
  outcome: d.outcome,
  reason: d.reason,
  advertiserId: d.advertiserId ?? null,
  trackingCodeId: d.trackingCodeId ?? null,
  linkId: d.linkId ?? null,
  conversionId: d.conversionId ?? null,
  clickId: d.clickId ?? null,
  params: d.params,
  ipHash: d.ipHash ?? null,
  userAgent: d.userAgent ?? null,
})

export function requestLog(m: Models): RequestLogRepository {
  return {
    async append(entries) {
      if (entries.length === 0) return
      const docs: RequestLogDoc[] = entries.map(({ id, ...fields }) => ({ _id: id, ...fields, seq: nextSeq() }))
      // One round trip; `lean` skips hydrating documents on this hot path (the contract's types fix the shape).
      await ignoreDuplicates(m.RequestLog.insertMany(docs, { ordered: false, lean: true }))
    },
    async list(q) {
      const filter: QueryFilter<RequestLogDoc> = { advertiserId: q.advertiserId }
      if (q.trackingCodeId) filter.trackingCodeId = q.trackingCodeId
      if (q.outcome) filter.outcome = q.outcome
      if (q.reason) filter.reason = q.reason
      if (q.from || q.to) filter.at = { ...(q.from && { $gte: q.from }), ...(q.to && { $lt: q.to }) }
      const docs = await m.RequestLog.find(filter).sort({ at: -1, seq: -1 }).limit(q.limit ?? 100).lean<RequestLogDoc[]>()
      return docs.map(toEntry)
    },
    async purgeBefore(before) {
      const { deletedCount } = await m.RequestLog.deleteMany({ at: { $lt: before } })
      return deletedCount
    },
  }
}
