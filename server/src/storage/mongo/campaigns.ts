import { defined } from './errors.js'
import type { Campaign, CommissionOverride, Storage } from '../types.js'
import { uniquely } from './errors.js'
import { nextSeq, type CampaignDoc, type CommissionOverrideDoc, type Models } from './models.js'

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

const toOverride = (d: CommissionOverrideDoc): CommissionOverride => ({
  campaignId: d.campaignId,
  publisherId: d.publisherId,
  saleRule: d.saleRule ?? null,
  leadRule: d.leadRule ?? null,
})

export function campaigns(m: Models): Storage['campaigns'] {
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

export function commissionOverrides(m: Models): Storage['commissionOverrides'] {
  return {
    async put(o) {
      const d = await m.CommissionOverride.findOneAndUpdate(
        { campaignId: o.campaignId, publisherId: o.publisherId },
        { $set: { saleRule: o.saleRule, leadRule: o.leadRule } },
        { upsert: true, returnDocument: 'after' },
      ).lean<CommissionOverrideDoc>()
      return toOverride(d!)
    },
    async get(campaignId, publisherId) {
      const d = await m.CommissionOverride.findOne({ campaignId, publisherId }).lean<CommissionOverrideDoc>()
      return d ? toOverride(d) : null
    },
    async listByCampaign(campaignId) {
      const docs = await m.CommissionOverride.find({ campaignId }).sort({ publisherId: 1 }).lean<CommissionOverrideDoc[]>()
      return docs.map(toOverride)
    },
    async remove(campaignId, publisherId) {
      const { deletedCount } = await m.CommissionOverride.deleteOne({ campaignId, publisherId })
      return deletedCount > 0
    },
  }
}
