// Revenue from campaigns: an account's settings; the version grows when the channel rules change.
import type { Channel, RevenueSettings, RevenueSettingsRepository } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import type { Models } from './models.js'
import type { RevenueSettingsDoc } from './revenueModels.js'

const toSettings = (d: RevenueSettingsDoc): RevenueSettings => ({
  accountId: d._id,
  channels: d.channels,
  currency: d.currency,
  excludedTags: d.excludedTags,
  version: d.version,
  updatedAt: d.updatedAt,
})

export function revenueSettings(m: Models): RevenueSettingsRepository {
  const write = (s: Parameters<RevenueSettingsRepository['put']>[0]) => {
    // Stored in one key order, so that equal rules compare equal below.
    const channels = Object.fromEntries(Object.keys(s.channels).sort().map((c) => {
      const rule = s.channels[c as Channel]
      return [c, { event: rule.event, window: rule.window, unit: rule.unit }]
    }))
    // A pipeline: the version grows only when the rules differ from the stored ones (all of $set reads the old document).
    return m.RevenueSettings.findOneAndUpdate(
      { _id: s.accountId },
      [{
        $set: {
          version: { $cond: [{ $eq: ['$channels', { $literal: channels }] }, '$version', { $add: [{ $ifNull: ['$version', 0] }, 1] }] },
          channels: { $literal: channels }, currency: s.currency, excludedTags: { $literal: s.excludedTags }, updatedAt: new Date(),
        },
      }],
      { upsert: true, returnDocument: 'after', updatePipeline: true },
    ).lean<RevenueSettingsDoc>()
  }
  return {
    async get(accountId) {
      const d = await m.RevenueSettings.findById(accountId).lean<RevenueSettingsDoc>()
      return d ? toSettings(d) : null
    },
    async put(s) {
      try {
        return toSettings((await write(s)) as RevenueSettingsDoc)
      } catch (error) {
        // Two first puts can both insert; the second finds the first one now and updates it.
        if (!isDuplicateKey(error)) throw error
        return toSettings((await write(s)) as RevenueSettingsDoc)
      }
    },
  }
}
