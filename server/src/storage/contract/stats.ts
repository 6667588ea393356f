// Portal: publisher statistics.

/** What publisher statistics are grouped by: the campaign, or one of the click's sub-ids. */
export type StatsDimension = 'campaign' | 'sub1' | 'sub2' | 'sub3' | 'sub4' | 'sub5'
export interface StatsQuery {
  publisherId: string
  /** Inclusive. */
  from: Date
  /** Exclusive. */
  to: Date
  by: StatsDimension
}
/** Clicks of one group (a campaign id or a sub-id value; null: the click had no such sub-id). */
export interface TrafficStats {
  key: string | null
  clicks: number
  /** Clicks that are neither bots nor duplicates. */
  uniqueClicks: number
}
/** Conversions of one group in one commission currency, by the time they were recorded. */
export interface ConversionStats {
  key: string | null
  currency: string
  /** Pending and approved conversions (not declined, not fully reversed). */
  conversions: number
  /** Commission still owed on every conversion that was not declined (commission − reversed). */
  commission: number
}
/** Net earnings of one UTC day (YYYY-MM-DD) from the ledger: commissions less reversals and declines. */
export interface DailyEarnings {
  day: string
  currency: string
  amount: number
}

export interface StatsRepository {
  /** A publisher's clicks in the period, grouped by campaign or sub-id. */
  traffic(query: StatsQuery): Promise<TrafficStats[]>
  /** A publisher's conversions recorded in the period, grouped likewise (sub-ids come from the converting click). */
  conversions(query: StatsQuery): Promise<ConversionStats[]>
  /** An account's net earnings per UTC day in [from, to), from the ledger. */
  earningsByDay(accountId: string, from: Date, to: Date): Promise<DailyEarnings[]>
}
