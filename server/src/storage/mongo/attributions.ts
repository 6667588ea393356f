// Revenue from campaigns: the per-order attribution collection and the reports over it.
// The attribution rule is the postgres driver's statement in TypeScript: load the target orders, their
// accounts' settings and campaigns, the buyers' candidate messages and their events, decide, write in one bulk.
import type { AnyBulkWriteOperation } from 'mongoose'
import type {
  Attribution, AttributionRepository, AttributionScope, Channel, ChannelRule, ChannelRules, LinkingEvent,
} from '../contract/index.js'
import { pageEndIndex, pageLast } from '../revenueRules.js'
import { isDuplicateKey } from './errors.js'
import type { MessageDoc, Models, OrderDoc } from './models.js'
import type { AttributionDoc, MessageEventDoc, RevenueSettingsDoc } from './revenueModels.js'

const toAttribution = (d: AttributionDoc): Attribution => ({
  orderId: d._id,
  accountId: d.accountId,
  orderedAt: d.orderedAt,
  total: d.total,
  currency: d.currency,
  status: d.status,
  messageId: d.messageId ?? null,
  messageAccountId: d.messageAccountId ?? null,
  campaignId: d.campaignId ?? null,
  channel: d.channel ?? null,
  tags: d.tags ?? [],
  linkedAt: d.linkedAt ?? null,
  settingsVersion: d.settingsVersion,
})

const unitMs = { hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const

const windowMs = (rule: ChannelRule) => rule.window * unitMs[rule.unit]

interface Winner {
  message: MessageDoc
  campaignId: string
  linkedAt: Date
}

/** Later send wins, then the later linking event, then the greater id (byte order, like the postgres driver). */
function beats(a: Winner, b: Winner): boolean {
  const bySent = a.message.sentAt!.getTime() - b.message.sentAt!.getTime()
  if (bySent !== 0) return bySent > 0
  const byLink = a.linkedAt.getTime() - b.linkedAt.getTime()
  if (byLink !== 0) return byLink > 0
  return Buffer.compare(Buffer.from(a.message._id), Buffer.from(b.message._id)) > 0
}

/** The rule for one order: see AttributionRepository['attribute']. */
function winner(order: OrderDoc, rules: ChannelRules, campaigns: Set<string>, messages: MessageDoc[],
  events: Map<string, { type: LinkingEvent; at: Date }[]>): Winner | null {
  const at = order.orderedAt.getTime()
  let best: Winner | null = null
  for (const message of messages) {
    if (message.recipient !== order.email || !message.sentAt || message.sentAt.getTime() > at) continue
    const campaignId = message.campaignIds.find((c) => campaigns.has(c))
    const rule = rules[message.channel] as ChannelRule | undefined
    if (!campaignId || !rule) continue
    let linkedAt: Date | null = null
    if (rule.event === 'sent') linkedAt = message.sentAt
    else {
      for (const e of events.get(message._id) ?? []) {
        if (e.type === rule.event && e.at.getTime() <= at && (!linkedAt || e.at > linkedAt)) linkedAt = e.at
      }
    }
    if (!linkedAt || linkedAt.getTime() < at - windowMs(rule)) continue
    const candidate = { message, campaignId, linkedAt }
    if (!best || beats(candidate, best)) best = candidate
  }
  return best
}

export function attributions(m: Models): AttributionRepository {
  return {
    async attribute(scope: AttributionScope, defaults) {
      const orders = 'orderIds' in scope
        ? (scope.orderIds.length ? await m.Order.find({ _id: { $in: scope.orderIds } }).lean<OrderDoc[]>() : [])
        : await m.Order.find({ email: scope.recipient.toLowerCase(), orderedAt: { $gte: scope.since } }).lean<OrderDoc[]>()
      if (orders.length === 0) return 0
      const accountIds = [...new Set(orders.map((o) => o.accountId))]
      const [settings, campaignDocs, previous] = await Promise.all([
        m.RevenueSettings.find({ _id: { $in: accountIds } }).lean<RevenueSettingsDoc[]>(),
        m.Campaign.find({ advertiserId: { $in: accountIds } }, { _id: 1, advertiserId: 1 }).lean<{ _id: string; advertiserId: string }[]>(),
        m.Attribution.find({ _id: { $in: orders.map((o) => o._id) } }).lean<AttributionDoc[]>(),
      ])
      const settingsOf = new Map(settings.map((s) => [s._id, s]))
      const campaignsOf = new Map<string, Set<string>>(accountIds.map((id) => [id, new Set()]))
      for (const c of campaignDocs) campaignsOf.get(c.advertiserId)!.add(c._id)
      const previousOf = new Map(previous.map((p) => [p._id, p]))
      const previousMessages = await m.Message.find(
        { _id: { $in: previous.flatMap((p) => (p.messageId ? [p.messageId] : [])) } }, { _id: 1, recipient: 1 },
      ).lean<Pick<MessageDoc, '_id' | 'recipient'>[]>()
      const forgottenMessage = new Set(previousMessages.filter((pm) => pm.recipient == null).map((pm) => pm._id))

      const emails = [...new Set(orders.flatMap((o) => (o.email ? [o.email] : [])))]
      const allCampaigns = campaignDocs.map((c) => c._id)
      const messages = emails.length && allCampaigns.length
        ? await m.Message.find({ recipient: { $in: emails }, sentAt: { $ne: null }, campaignIds: { $in: allCampaigns } }).lean<MessageDoc[]>()
        : []
      const byRecipient = new Map<string, MessageDoc[]>()
      for (const message of messages) byRecipient.set(message.recipient!, [...(byRecipient.get(message.recipient!) ?? []), message])
      const eventDocs = messages.length
        ? await m.MessageEvent.find({ messageId: { $in: messages.map((x) => x._id) }, type: { $in: ['delivered', 'opened', 'clicked'] } },
          { messageId: 1, type: 1, at: 1 }).lean<Pick<MessageEventDoc, 'messageId' | 'type' | 'at'>[]>()
        : []
      const events = new Map<string, { type: LinkingEvent; at: Date }[]>()
      for (const e of eventDocs) events.set(e.messageId, [...(events.get(e.messageId) ?? []), { type: e.type as LinkingEvent, at: e.at }])

      const writes: AnyBulkWriteOperation<AttributionDoc>[] = orders.map((order) => {
        const s = settingsOf.get(order.accountId)
        const version = s?.version ?? 0
        const prev = previousOf.get(order._id)
        const keep = order.email == null || (prev?.messageId != null && forgottenMessage.has(prev.messageId))
        const win = keep ? null : winner(order, s?.channels ?? defaults, campaignsOf.get(order.accountId)!, byRecipient.get(order.email!) ?? [], events)
        const link = keep
          ? {
            messageId: prev?.messageId ?? null, messageAccountId: prev?.messageAccountId ?? null, campaignId: prev?.campaignId ?? null,
            channel: prev?.channel ?? null, tags: prev?.tags ?? [], linkedAt: prev?.linkedAt ?? null,
          }
          : {
            messageId: win?.message._id ?? null, messageAccountId: win?.message.accountId ?? null, campaignId: win?.campaignId ?? null,
            channel: (win?.message.channel ?? null) as Channel | null, tags: win?.message.tags ?? [], linkedAt: win?.linkedAt ?? null,
          }
        return {
          updateOne: {
            // Never over an attribution made under a newer version: the filter misses it, the upsert's insert
            // then hits the unique _id and is refused (ignored below).
            filter: { _id: order._id, settingsVersion: { $lte: version } },
            update: {
              $set: {
                accountId: order.accountId, orderedAt: order.orderedAt, total: order.total, currency: order.currency, status: order.status,
                ...link, settingsVersion: version,
              },
            },
            upsert: true,
          },
        }
      })
      try {
        const result = await m.Attribution.bulkWrite(writes, { ordered: false })
        return result.matchedCount + result.upsertedCount
      } catch (error) {
        const bulk = error as { writeErrors?: unknown[]; result?: { matchedCount: number; upsertedCount: number } }
        const errors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors]
        if (!bulk.result || !errors.every((e) => isDuplicateKey((e as { err?: unknown }).err ?? e))) throw error
        return bulk.result.matchedCount + bulk.result.upsertedCount
      }
    },
    async get(orderId) {
      const d = await m.Attribution.findById(orderId).lean<AttributionDoc>()
      return d ? toAttribution(d) : null
    },
    async staleOrders(q) {
      const range: Record<string, Date> = {}
      if (q.from) range.$gte = q.from
      if (q.to) range.$lt = q.to
      if (q.after) range.$gt = q.after
      const filter = { accountId: q.accountId, ...(Object.keys(range).length && { orderedAt: range }) }
      // A page ends with the instant of its limit-th order, all orders of that instant included.
      const [end] = await m.Order.find(filter, { orderedAt: 1 }).sort({ orderedAt: 1 }).skip(pageEndIndex(q.limit)).limit(1)
        .lean<Pick<OrderDoc, 'orderedAt'>[]>()
      const examined = await m.Order.find(end ? { ...filter, orderedAt: { ...range, $lte: end.orderedAt } } : filter, { _id: 1, orderedAt: 1 })
        .lean<Pick<OrderDoc, '_id' | 'orderedAt'>[]>()
      const current = await m.Attribution.find({ _id: { $in: examined.map((o) => o._id) }, settingsVersion: { $gte: q.version } }, { _id: 1 })
        .lean<{ _id: string }[]>()
      const fresh = new Set(current.map((a) => a._id))
      return {
        orderIds: examined.filter((o) => !fresh.has(o._id)).map((o) => o._id),
        last: pageLast(examined.map((o) => o.orderedAt)),
      }
    },
    async summarize(q) {
      const owner = q.view === 'shop' ? 'messageAccountId' : 'accountId'
      const period = { $gte: q.from, $lt: q.to }
      const rows = await m.Attribution.aggregate<{
        _id: { campaignId: string; accountId: string; channel: Channel; excluded: boolean }; purchases: number; revenue: number
      }>([
        {
          $match: {
            [owner]: q.accountId, orderedAt: period, messageId: { $type: 'string' }, messageAccountId: { $type: 'string' },
            currency: q.currency, status: { $nin: ['cancelled', 'refunded'] },
          },
        },
        {
          $group: {
            _id: {
              campaignId: '$campaignId', accountId: '$accountId', channel: '$channel',
              excluded: { $gt: [{ $size: { $setIntersection: [{ $ifNull: ['$tags', []] }, { $literal: q.excludedTags }] } }, 0] },
            },
            purchases: { $sum: 1 },
            revenue: { $sum: '$total' },
          },
        },
      ])
      // Versions only grow: an attribution made under an older one is stale.
      const stale = q.settingsVersion === undefined
        ? 0
        : await m.Attribution.countDocuments({ accountId: q.accountId, settingsVersion: { $lt: q.settingsVersion }, orderedAt: period })
      return {
        groups: rows.map((r) => ({
          campaignId: r._id.campaignId, advertiserId: r._id.accountId, channel: r._id.channel, excluded: r._id.excluded,
          purchases: r.purchases, revenue: r.revenue,
        })),
        stale,
      }
    },
    async earnings(q) {
      // Email leads are source 'email'; a sale counts when its click carried one of the shop's messages as sub1.
      const rows = await m.Conversion.aggregate<{ _id: string; conversions: number; earned: number }>([
        {
          $match: {
            publisherId: q.publisherId, createdAt: { $gte: q.from, $lt: q.to }, commissionCurrency: q.currency,
            status: { $ne: 'declined' }, campaignId: { $type: 'string' },
          },
        },
        { $lookup: { from: 'clicks', localField: 'clickId', foreignField: '_id', as: 'click' } },
        { $addFields: { sub1: { $arrayElemAt: [{ $ifNull: [{ $arrayElemAt: ['$click.subIds', 0] }, []] }, 0] } } },
        {
          $lookup: {
            from: 'messages', let: { id: '$sub1', shop: '$publisherId' },
            pipeline: [{ $match: { $expr: { $and: [{ $eq: ['$_id', '$$id'] }, { $eq: ['$accountId', '$$shop'] }] } } }, { $project: { _id: 1 } }],
            as: 'message',
          },
        },
        { $match: { $or: [{ source: 'email' }, { 'message.0': { $exists: true } }] } },
        { $group: { _id: '$campaignId', conversions: { $sum: 1 }, earned: { $sum: { $subtract: ['$commission', '$reversedCommission'] } } } },
      ])
      return rows.map((r) => ({ campaignId: r._id, conversions: r.conversions, earned: r.earned }))
    },
    // MongoDB keeps no planner statistics to refresh.
    async refreshStatistics() {},
  }
}
