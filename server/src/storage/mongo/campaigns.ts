import type { Campaign, CampaignRepository } from '../contract/index.js'
import { defined, uniquely } from './errors.js'
import { nextSeq, type CampaignDoc, type Models } from './models.js'

const toCampaign = (d: CampaignDoc): Campaign => ({
  id: d._id,
  advertiserId: d.advertiserId,
  name: d.name,
  description: d.description,
  status: d.status,
  currency: d.currency,
  landingUrls: d.landingUrls,
  cookieWindowDays: d.cookieWindowDays,
  holdDays: d.holdDays,
  attribution: d.attribution,
  saleRule: d.saleRule ?? null,
  leadRule: d.leadRule ?? null,
  firstPartyPath: d.firstPartyPath ?? null,
  createdAt: d.createdAt,
})

export function campaigns(m: Models): CampaignRepository {
  return {
    create: (c) =>
      uniquely('campaign', async () => {
        const { id, ...fields } = c
        const doc: CampaignDoc = { _id: id, ...fields, firstPartyPath: fields.firstPartyPath ?? null, createdAt: new Date(), seq: nextSeq() }
        await m.Campaign.create(doc)
        return toCampaign(doc)
      }),
    async get(id) {
      const d = await m.Campaign.findById(id).lean<CampaignDoc>()
      return d ? toCampaign(d) : null
    },
    async listByAdvertiser(advertiserId) {
      const docs = await m.Campaign.find({ advertiserId }).sort({ createdAt: 1, seq: 1 }).lean<CampaignDoc[]>()
      return docs.map(toCampaign)
    },
    async listActive() {
      const docs = await m.Campaign.find({ status: 'active' }).sort({ createdAt: 1, seq: 1 }).lean<CampaignDoc[]>()
      return docs.map(toCampaign)
    },
    async update(id, patch) {
      const d = await m.Campaign.findByIdAndUpdate(id, { $set: defined(patch) }, { returnDocument: 'after' }).lean<CampaignDoc>()
      return d ? toCampaign(d) : null
    },
  }
}
