import type { Click, Storage } from '../types.js'
import type { ClickDoc, Models } from './models.js'

const toClick = (d: ClickDoc): Click => ({
  id: d._id,
  linkId: d.linkId,
  campaignId: d.campaignId,
  advertiserId: d.advertiserId,
  publisherId: d.publisherId,
  createdAt: d.createdAt,
  subIds: d.subIds,
  userAgent: d.userAgent ?? null,
  referrer: d.referrer ?? null,
  ipHash: d.ipHash ?? null,
  visitorKey: d.visitorKey,
  bot: d.bot,
  duplicate: d.duplicate,
  landingUrl: d.landingUrl,
})

export function clicks(m: Models): Storage['clicks'] {
  return {
    async insertMany(batch) {
      if (batch.length === 0) return
      const docs: ClickDoc[] = batch.map(({ id, ...fields }) => ({ _id: id, ...fields }))
      // One round trip; `lean` skips hydrating documents on this hot path (the contract's types fix the shape).
      await m.Click.insertMany(docs, { ordered: false, lean: true })
    },
    async get(id) {
      const d = await m.Click.findById(id).lean<ClickDoc>()
      return d ? toClick(d) : null
    },
    async existsSince(linkId, visitorKey, since) {
      return (await m.Click.exists({ linkId, visitorKey, createdAt: { $gte: since } })) !== null
    },
  }
}
