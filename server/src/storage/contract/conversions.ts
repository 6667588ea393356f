// Conversions (sales and leads) and the atomic changes of their state.
import type { LeadRule, SaleRule } from './campaigns.js'
import type { NewLedgerEntry } from './ledger.js'

export type ConversionType = 'sale' | 'lead'
export type ConversionStatus = 'pending' | 'approved' | 'declined' | 'reversed'
export type ConversionSource = 'script' | 'pixel' | 'form' | 'postback' | 'api' | 'email'

export interface Conversion {
  id: string
  advertiserId: string
  campaignId: string | null
  trackingCodeId: string | null
  /** The credited publisher; null when unattributed. */
  publisherId: string | null
  clickId: string | null
  type: ConversionType
  /** The advertiser's order id; unique per advertiser. */
  orderId: string
  amount: number
  currency: string
  commission: number
  commissionCurrency: string
  /** The rule that produced the commission, as it was at the time. */
  commissionRule: SaleRule | LeadRule | null
  status: ConversionStatus
  /** `attributed`, or why not (`no_click`, `expired_window`, `unknown_click`, …). */
  reason: string
  source: ConversionSource
  /** Amount refunded so far (partial refunds add up). */
  refundedAmount: number
  /** Commission reversed so far. */
  reversedCommission: number
  customerEmail: string | null
  createdAt: Date
  /** When the hold period ends and the approval job may approve it. */
  approveAt: Date | null
  decidedAt: Date | null
}
export type NewConversion = Omit<Conversion, 'createdAt' | 'decidedAt'>

export interface ConversionQuery {
  advertiserId?: string
  publisherId?: string
  campaignId?: string
  status?: ConversionStatus
  from?: Date
  to?: Date
  /** Only conversions whose hold period ends at or before this time (approveAt <= dueBefore). */
  dueBefore?: Date
  limit?: number
}

/** An atomic change of a conversion's state together with the ledger entries it causes. */
export interface ConversionTransition {
  id: string
  /** Applied only while the conversion is in one of these states (compare-and-set). */
  from: ConversionStatus[]
  /** And only while the refunded amount is still this (so two concurrent refunds cannot both apply). */
  whenRefundedAmount?: number
  set: Partial<Pick<Conversion, 'status' | 'refundedAmount' | 'reversedCommission' | 'decidedAt'>>
  ledger: NewLedgerEntry[]
}

/**
 * Later, better evidence for an order stored without a publisher: the click that earns it, and what follows
 * from it. Applied only while the conversion is pending, unattributed, unrefunded and created at or after
 * `createdAfter` (compare-and-set), in one transaction with the pending ledger entry it earns.
 */
export interface ConversionUpgrade {
  id: string
  createdAfter: Date
  set: Pick<Conversion, 'publisherId' | 'clickId' | 'campaignId' | 'commission' | 'commissionCurrency' | 'commissionRule' | 'reason' | 'approveAt'>
  ledger: NewLedgerEntry[]
}

export interface ConversionRepository {
  /**
   * Inserts the conversion and its ledger entries atomically unless (advertiserId, orderId) exists;
   * then returns the existing one with created=false. Safe under concurrent identical requests.
   */
  insertIfAbsent(conversion: NewConversion, ledger: NewLedgerEntry[]): Promise<{ conversion: Conversion; created: boolean }>
  get(id: string): Promise<Conversion | null>
  getByOrder(advertiserId: string, orderId: string): Promise<Conversion | null>
  /** Newest first. */
  list(query: ConversionQuery): Promise<Conversion[]>
  /**
   * Applies the transition atomically; null when the conversion was not in an allowed state. A ledger key
   * already taken throws UniqueViolation and changes nothing.
   */
  transition(transition: ConversionTransition): Promise<Conversion | null>
  /** Attributes an unattributed pending conversion (see ConversionUpgrade); null when its guard failed. */
  upgrade(upgrade: ConversionUpgrade): Promise<Conversion | null>
  /** Clears the buyer's email of conversions created before `before` (buyer-data retention); returns how many. */
  forgetBefore(before: Date): Promise<number>
}
