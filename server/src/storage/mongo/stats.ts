// Publisher statistics, aggregated by MongoDB: one pipeline per collection, on the indexes
// clicks { publisherId, createdAt }, conversions { publisherId, createdAt } and ledgerEntries { accountId, createdAt }.
import type { PipelineStage } from 'mongoose'
import type { StatsDimension, StatsRepository } from '../contract/index.js'
import { earningKinds } from '../ledgerRules.js'
import type { Models } from './models.js'

/** The sub-id a dimension names, out of an expression for a click's `subIds` (a missing sub-id is null). */
const subIdAt = (by: Exclude<StatsDimension, 'campaign'>, subIds: unknown) => ({ $ifNull: [{ $arrayElemAt: [subIds, Number(by.slice(3)) - 1] }, null] })

const byKey = <T extends { key: string | null }>(a: T, b: T) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

export function stats(m: Models): StatsRepository {
  return {
    async traffic(q) {
      const rows = await m.Click.aggregate<{ _id: string | null; clicks: number; uniqueClicks: number }>([
        { $match: { publisherId: q.publisherId, createdAt: { $gte: q.from, $lt: q.to } } },
        {
          $group: {
            _id: q.by === 'campaign' ? '$campaignId' : subIdAt(q.by, '$subIds'),
            clicks: { $sum: 1 },
            uniqueClicks: { $sum: { $cond: [{ $or: ['$bot', '$duplicate'] }, 0, 1] } },
          },
        },
      ])
      return rows.map((r) => ({ key: r._id ?? null, clicks: r.clicks, uniqueClicks: r.uniqueClicks })).sort(byKey)
    },
    async conversions(q) {
      const keyStages: PipelineStage[] = q.by === 'campaign'
        ? [{ $set: { key: '$campaignId' } }]
        : [
          { $lookup: { from: 'clicks', localField: 'clickId', foreignField: '_id', as: 'click' } },
          { $set: { key: subIdAt(q.by, { $ifNull: [{ $arrayElemAt: ['$click.subIds', 0] }, []] }) } },
        ]
      const rows = await m.Conversion.aggregate<{ _id: { key: string | null; currency: string }; conversions: number; commission: number }>([
        { $match: { publisherId: q.publisherId, createdAt: { $gte: q.from, $lt: q.to }, status: { $ne: 'declined' } } },
        ...keyStages,
        {
          $group: {
            _id: { key: '$key', currency: '$commissionCurrency' },
            conversions: { $sum: { $cond: [{ $in: ['$status', ['pending', 'approved']] }, 1, 0] } },
            commission: { $sum: { $subtract: ['$commission', '$reversedCommission'] } },
          },
        },
      ])
      return rows
        .map((r) => ({ key: r._id.key ?? null, currency: r._id.currency, conversions: r.conversions, commission: r.commission }))
        .sort((a, b) => byKey(a, b) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0))
    },
    async earningsByDay(accountId, from, to) {
      const rows = await m.LedgerEntry.aggregate<{ _id: { day: string; currency: string }; amount: number }>([
        { $match: { accountId, kind: { $in: earningKinds }, createdAt: { $gte: from, $lt: to } } },
        {
          $group: {
            _id: { day: { $dateToString: { format: '%Y-%m-%d', date: '$createdAt', timezone: 'UTC' } }, currency: '$currency' },
            amount: { $sum: '$amount' },
          },
        },
        { $sort: { '_id.day': 1, '_id.currency': 1 } },
      ])
      return rows.map((r) => ({ day: r._id.day, currency: r._id.currency, amount: r.amount }))
    },
  }
}
