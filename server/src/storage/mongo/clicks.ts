import type { Click, ClickRepository } from '../contract/index.js'
import { ignoreDuplicates } from './errors.js'
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

export function clicks(m: Models): ClickRepository {
  return {
    async insertMany(batch, options = {}) {
      if (batch.length === 0) return
      const windowMs = options.duplicateWindowMs ?? 0
      // One look-up for the whole batch: which of these visitors clicked the same link within the window.
      const earlier = windowMs > 0
        ? await m.Click.find(
          { $or: batch.map((c) => ({ linkId: c.linkId, visitorKey: c.visitorKey, createdAt: { $gte: new Date(c.createdAt.getTime() - windowMs), $lte: c.createdAt } })) },
          { linkId: 1, visitorKey: 1, createdAt: 1 },
        ).lean<Pick<ClickDoc, 'linkId' | 'visitorKey' | 'createdAt'>[]>()
        : []
      const seenBefore = (c: Click) => earlier.some((e) => e.linkId === c.linkId && e.visitorKey === c.visitorKey
        && e.createdAt.getTime() >= c.createdAt.getTime() - windowMs && e.createdAt.getTime() <= c.createdAt.getTime())
      const docs: ClickDoc[] = batch.map(({ id, ...fields }) => ({ _id: id, ...fields, duplicate: fields.duplicate || seenBefore({ id, ...fields }) }))
      // One round trip; `lean` skips hydrating documents on this hot path (the contract's types fix the shape).
      await ignoreDuplicates(m.Click.insertMany(docs, { ordered: false, lean: true }))
    },
    async get(id) {
      const d = await m.Click.findById(id).lean<ClickDoc>()
      return d ? toClick(d) : null
    },
  }
}
