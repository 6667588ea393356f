import { defined } from './errors.js'
import type { Link, Storage, TrackingCode } from '../types.js'
import { uniquely } from './errors.js'
import { nextSeq, type LinkDoc, type Models, type TrackingCodeDoc } from './models.js'

const toLink = (d: LinkDoc): Link => ({
  id: d._id,
  code: d.code,
  campaignId: d.campaignId,
  advertiserId: d.advertiserId,
  publisherId: d.publisherId,
  landingUrl: d.landingUrl,
  status: d.status,
  createdAt: d.createdAt,
})

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

export function links(m: Models): Storage['links'] {
  const one = async (filter: { _id: string } | { code: string }) => {
    const d = await m.Link.findOne(filter).lean<LinkDoc>()
    return d ? toLink(d) : null
  }
  return {
    create: (l) =>
      uniquely('link', async () => {
        const { id, ...fields } = l
        const doc: LinkDoc = { _id: id, ...fields, createdAt: new Date(), seq: nextSeq() }
        await m.Link.create(doc)
        return toLink(doc)
      }),
    get: (id) => one({ _id: id }),
    getByCode: (code) => one({ code }),
    async listByPublisher(publisherId) {
      const docs = await m.Link.find({ publisherId }).sort({ createdAt: 1, seq: 1 }).lean<LinkDoc[]>()
      return docs.map(toLink)
    },
    async listByCampaign(campaignId) {
      const docs = await m.Link.find({ campaignId }).sort({ createdAt: 1, seq: 1 }).lean<LinkDoc[]>()
      return docs.map(toLink)
    },
    async setStatus(id, status) {
      const d = await m.Link.findByIdAndUpdate(id, { $set: { status } }, { returnDocument: 'after' }).lean<LinkDoc>()
      return d ? toLink(d) : null
    },
  }
}

export function trackingCodes(m: Models): Storage['trackingCodes'] {
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
