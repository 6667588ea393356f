import type { TrackingCode, TrackingCodeRepository } from '../contract/index.js'
import { defined, uniquely } from './errors.js'
import { nextSeq, type Models, type TrackingCodeDoc } from './models.js'

const toTrackingCode = (d: TrackingCodeDoc): TrackingCode => ({
  id: d._id,
  code: d.code,
  advertiserId: d.advertiserId,
  campaignId: d.campaignId,
  name: d.name,
  method: d.method,
  redirectUrl: d.redirectUrl ?? null,
  postbackSecret: d.postbackSecret,
  status: d.status,
  createdAt: d.createdAt,
})

export function trackingCodes(m: Models): TrackingCodeRepository {
  const one = async (filter: { _id: string } | { code: string }) => {
    const d = await m.TrackingCode.findOne(filter).lean<TrackingCodeDoc>()
    return d ? toTrackingCode(d) : null
  }
  return {
    create: (t) =>
      uniquely('tracking code', async () => {
        const { id, ...fields } = t
        const doc: TrackingCodeDoc = { _id: id, ...fields, createdAt: new Date(), seq: nextSeq() }
        await m.TrackingCode.create(doc)
        return toTrackingCode(doc)
      }),
    get: (id) => one({ _id: id }),
    getByCode: (code) => one({ code }),
    async listByAdvertiser(advertiserId) {
      const docs = await m.TrackingCode.find({ advertiserId }).sort({ createdAt: 1, seq: 1 }).lean<TrackingCodeDoc[]>()
      return docs.map(toTrackingCode)
    },
    async update(id, patch) {
      const d = await m.TrackingCode.findByIdAndUpdate(id, { $set: defined(patch) }, { returnDocument: 'after' }).lean<TrackingCodeDoc>()
      return d ? toTrackingCode(d) : null
    },
  }
}
