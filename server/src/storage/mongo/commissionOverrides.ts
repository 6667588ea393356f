import type { CommissionOverride, CommissionOverrideRepository } from '../contract/index.js'
import type { CommissionOverrideDoc, Models } from './models.js'

const toOverride = (d: CommissionOverrideDoc): CommissionOverride => ({
  campaignId: d.campaignId,
  publisherId: d.publisherId,
  saleRule: d.saleRule ?? null,
  leadRule: d.leadRule ?? null,
})

export function commissionOverrides(m: Models): CommissionOverrideRepository {
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
