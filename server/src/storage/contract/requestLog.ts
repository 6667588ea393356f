// The request log: every tracking and API request, accepted or rejected, and why.
import type { ConversionSource } from './conversions.js'

/**
 * What a logged request was: a click, an order call, or a conversion by one of the conversion sources (the same
 * words; an email lead is logged as the click it is).
 */
export type RequestKind = Exclude<ConversionSource, 'email'> | 'click' | 'order'
export type RequestOutcome = 'accepted' | 'rejected'

export interface RequestLogEntry {
  id: string
  at: Date
  kind: RequestKind
  outcome: RequestOutcome
  /** `attributed`, `duplicate_order`, `no_click`, `expired_window`, `bad_amount`, `unknown_code`, … */
  reason: string
  advertiserId: string | null
  trackingCodeId: string | null
  linkId: string | null
  conversionId: string | null
  clickId: string | null
  /** The request's parameters, secrets removed and values truncated. */
  params: Record<string, string>
  ipHash: string | null
  userAgent: string | null
}
export interface RequestLogQuery {
  advertiserId: string
  trackingCodeId?: string
  outcome?: RequestOutcome
  reason?: string
  from?: Date
  to?: Date
  limit?: number
}

export interface RequestLogRepository {
  /** Stores entries in one round trip; idempotent by id, like clicks.insertMany. */
  append(entries: RequestLogEntry[]): Promise<void>
  /** Newest first. */
  list(query: RequestLogQuery): Promise<RequestLogEntry[]>
  /** Deletes entries older than `before`; returns how many. */
  purgeBefore(before: Date): Promise<number>
}
