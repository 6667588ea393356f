// Revenue from campaigns (F7): which message an order belongs to, and the reports over it.
import type { Channel } from './messages.js'
import type { OrderStatus } from './orders.js'
import type { ChannelRules } from './revenueSettings.js'

/**
 * Which message an order belongs to, kept per order so that a report is a grouped sum. Made under the
 * settings of the order's account (the advertiser whose sale it is), version `settingsVersion`.
 */
export interface Attribution {
  orderId: string
  /** The order's account. */
  accountId: string
  orderedAt: Date
  total: number
  currency: string
  status: OrderStatus
  /** The message the sale belongs to; null when no message qualifies. */
  messageId: string | null
  /** The account the message was sent in the name of (the shop). */
  messageAccountId: string | null
  /** The first of the message's campaigns that belongs to the order's account. */
  campaignId: string | null
  channel: Channel | null
  /** The message's tags (excluded tags are applied when reporting). */
  tags: string[]
  /** When the linking event happened. */
  linkedAt: Date | null
  /** -1: made before any rule was applied (orders that existed when revenue attribution was added). */
  settingsVersion: number
}

/** Which orders to (re)attribute. */
export type AttributionScope =
  /** These orders (a new or changed order, a batch of stale ones). */
  | { orderIds: string[] }
  /** Every order of this buyer placed at or after `since` (a message event that arrived, possibly late). */
  | { recipient: string; since: Date }

export interface StaleOrdersQuery {
  accountId: string
  /** The account's current settings version (0 when it has none). */
  version: number
  from?: Date
  to?: Date
  /** Resume with the orders placed after this time (the previous page's `last`). */
  after?: Date | null
  /** About how many orders to examine: a page ends at a whole instant, so orders placed at the same time stay together. */
  limit: number
}

export interface RevenueQuery {
  /** `advertiser`: the account's own orders. `shop`: orders attributed to messages sent in the account's name. */
  view: 'advertiser' | 'shop'
  accountId: string
  /** Orders placed in [from, to). */
  from: Date
  to: Date
  currency: string
  excludedTags: string[]
  /** When given, `stale` counts the period's attributions made under an older version (advertiser view). */
  settingsVersion?: number
}
export interface RevenueGroup {
  campaignId: string
  /** The orders' account: the campaign's advertiser. */
  advertiserId: string
  channel: Channel
  /** The messages carry an excluded tag: listed, but not revenue. */
  excluded: boolean
  purchases: number
  revenue: number
}
export interface EarningsQuery {
  publisherId: string
  from: Date
  to: Date
  currency: string
}
export interface EarningsGroup {
  campaignId: string
  conversions: number
  /** Commission minus reversals, declined conversions left out. */
  earned: number
}

export interface AttributionRepository {
  /**
   * (Re)attributes the orders in scope, each under its account's settings (`defaults` and version 0 when it
   * has none): the order belongs to the last message sent (by sentAt, then linking time, then id) to its
   * email, at or before the order, carrying one of its account's campaigns, whose channel's linking event
   * happened within the window before the order (both ends included; `sent` is the message's sentAt).
   * An order whose buyer data was forgotten (its email, or its attributed message's recipient) keeps the
   * message it had. Never overwrites an attribution made under a newer version. Returns how many it wrote.
   */
  attribute(scope: AttributionScope, defaults: ChannelRules): Promise<number>
  get(orderId: string): Promise<Attribution | null>
  /**
   * A page of the account's orders by time, and which of them have no attribution or one made under another
   * version. `last` is the time of the page's last orders (resume after it), null when no order was left.
   */
  staleOrders(query: StaleOrdersQuery): Promise<{ orderIds: string[]; last: Date | null }>
  /**
   * Purchases and revenue per campaign, advertiser, channel and exclusion of attributed orders placed in the
   * period, in the currency, neither cancelled nor refunded.
   */
  summarize(query: RevenueQuery): Promise<{ groups: RevenueGroup[]; stale: number }>
  /** What email clicks earned a publisher (conversions whose click came from an offer email), per campaign. */
  earnings(query: EarningsQuery): Promise<EarningsGroup[]>
  /**
   * Brings the query planner's statistics of the revenue tables up to date (PostgreSQL: ANALYZE; the embedded
   * store has no autovacuum to do it). A no-op where the store needs none.
   */
  refreshStatistics(): Promise<void>
}
