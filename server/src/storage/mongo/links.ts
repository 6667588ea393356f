import type { Link, LinkRepository } from '../contract/index.js'
import { uniquely } from './errors.js'
import { nextSeq, type LinkDoc, type Models } from './models.js'

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

export function links(m: Models): LinkRepository {
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
