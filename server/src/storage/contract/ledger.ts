// The append-only ledger: entries, balances and transfers between buckets.

/** pending → approved → paid are a publisher's earnings; credit is advertising credit (reinvest). */
export type LedgerBucket = 'pending' | 'approved' | 'paid' | 'credit'
export type LedgerKind = 'commission' | 'approval' | 'decline' | 'reversal' | 'payout' | 'reinvest' | 'spend'

export interface LedgerEntry {
  id: string
  accountId: string
  bucket: LedgerBucket
  /** Signed minor units. */
  amount: number
  currency: string
  kind: LedgerKind
  conversionId: string | null
  payoutId: string | null
  /** Unique idempotency key: the same movement can never be written twice. */
  key: string
  memo: string | null
  createdAt: Date
}
export type NewLedgerEntry = Omit<LedgerEntry, 'id' | 'createdAt'>

export interface Balance {
  currency: string
  pending: number
  approved: number
  paid: number
  credit: number
}

/** A ledger transfer between two buckets of one account, refused when the source would go below zero. */
export interface LedgerTransfer {
  accountId: string
  currency: string
  from: LedgerBucket
  /** null: the money leaves the account (credit spent on commissions). */
  to: LedgerBucket | null
  amount: number
  kind: LedgerKind
  key: string
  memo: string | null
  conversionId?: string | null
  payoutId?: string | null
}
export type TransferResult = 'done' | 'insufficient' | 'duplicate'

export interface LedgerRepository {
  /** Appends all entries or none; false (and nothing written) when any key already exists. */
  append(entries: NewLedgerEntry[]): Promise<boolean>
  /** Newest first. */
  listByAccount(accountId: string, limit?: number): Promise<LedgerEntry[]>
  /** Sums per currency and bucket, derived from the entries. */
  balances(accountId: string): Promise<Balance[]>
  /**
   * Moves money between buckets of one account atomically, serialised per account so concurrent
   * transfers cannot overdraw the source bucket.
   */
  transfer(transfer: LedgerTransfer): Promise<TransferResult>
}
