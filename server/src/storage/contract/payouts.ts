// Portal: payout batches and payouts.

export type PayoutBatchStatus = 'scheduled' | 'paid'
/** The payouts of one period (e.g. `2025-01`): one batch per period. */
export interface PayoutBatch {
  id: string
  period: string
  status: PayoutBatchStatus
  /** The admin account that made it. */
  createdBy: string
  createdAt: Date
  paidAt: Date | null
}
export type NewPayoutBatch = Omit<PayoutBatch, 'status' | 'createdAt' | 'paidAt'>

/** scheduled → paid (the ledger moved approved → paid) or failed (the approved balance no longer covered it). */
export type PayoutStatus = 'scheduled' | 'paid' | 'failed'
export interface Payout {
  id: string
  batchId: string
  accountId: string
  amount: number
  currency: string
  status: PayoutStatus
  /** Why it failed. */
  note: string | null
  createdAt: Date
  paidAt: Date | null
}
export type NewPayout = Pick<Payout, 'id' | 'accountId' | 'amount' | 'currency'>
export type PayoutPatch = Partial<Pick<Payout, 'status' | 'note' | 'paidAt'>>

/** An account's positive approved balance in one currency, and how much of it scheduled payouts already hold. */
export interface PayableBalance {
  accountId: string
  currency: string
  approved: number
  scheduled: number
}

export interface PayoutRepository {
  /** Writes the batch and its payouts (status scheduled) atomically; UniqueViolation when the period has a batch. */
  createBatch(batch: NewPayoutBatch, payouts: NewPayout[]): Promise<{ batch: PayoutBatch; payouts: Payout[] }>
  getBatch(id: string): Promise<PayoutBatch | null>
  /** Newest first. */
  listBatches(limit?: number): Promise<PayoutBatch[]>
  /** Sets a batch's status only while it is in one of `from` (compare-and-set). */
  setBatchStatus(id: string, from: PayoutBatchStatus[], status: PayoutBatchStatus, paidAt: Date | null): Promise<PayoutBatch | null>
  get(id: string): Promise<Payout | null>
  /** In the order they were made. */
  listByBatch(batchId: string): Promise<Payout[]>
  /** Newest first. */
  listByAccount(accountId: string, limit?: number): Promise<Payout[]>
  /** Updates a payout only while it is in one of `from` (compare-and-set). */
  update(id: string, from: PayoutStatus[], patch: PayoutPatch): Promise<Payout | null>
  /** Every account's positive approved balance per currency with what scheduled payouts hold of it, in one pass. */
  payable(): Promise<PayableBalance[]>
}
