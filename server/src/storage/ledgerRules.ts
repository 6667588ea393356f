// The ledger's rules that do not depend on the store, written once for both drivers. A driver reads what a rule
// needs (inside its transaction and under its per-account lock), asks the rule, and writes what the rule planned;
// the reading and writing are the driver's own, the decisions are made here.
import type { Balance, LedgerBucket, LedgerKind, LedgerTransfer, NewLedgerEntry, TransferResult } from './contract/index.js'

/** The idempotency key of a transfer's entry in `bucket`: one transfer key names a pair of entries. */
export const transferEntryKey = (transfer: Pick<LedgerTransfer, 'key'>, bucket: LedgerBucket): string => `${transfer.key}:${bucket}`

/** The key whose existence makes a transfer a duplicate: its entry in the source bucket. */
export const transferDuplicateKey = (transfer: Pick<LedgerTransfer, 'key' | 'from'>): string => transferEntryKey(transfer, transfer.from)

/** What the driver read for a transfer, under the account's lock. */
export interface TransferState {
  /** An entry with transferDuplicateKey(transfer) exists. */
  taken: boolean
  /** The account's balance of the transfer's currency in its source bucket. */
  sourceBalance: number
}

export type TransferPlan =
  | { result: Exclude<TransferResult, 'done'> }
  /** Write these entries (all or none); then the transfer is done. */
  | { result: 'done'; entries: NewLedgerEntry[] }

/**
 * Decides a transfer: a duplicate when its key was used before; insufficient when the source bucket holds less than
 * the amount; else the entries to write — the amount out of the source bucket and, unless the money leaves the
 * account (`to` null), into the target bucket.
 */
export function planTransfer(transfer: LedgerTransfer, state: TransferState): TransferPlan {
  if (state.taken) return { result: 'duplicate' }
  if (state.sourceBalance < transfer.amount) return { result: 'insufficient' }
  const entry = (bucket: LedgerBucket, amount: number): NewLedgerEntry => ({
    accountId: transfer.accountId, bucket, amount, currency: transfer.currency, kind: transfer.kind,
    conversionId: transfer.conversionId ?? null, payoutId: transfer.payoutId ?? null, key: transferEntryKey(transfer, bucket),
    memo: transfer.memo,
  })
  const out = entry(transfer.from, -transfer.amount)
  return { result: 'done', entries: transfer.to ? [out, entry(transfer.to, transfer.amount)] : [out] }
}

/** One sum of an account's entries: per currency and bucket. */
export interface BucketTotal {
  currency: string
  bucket: LedgerBucket
  total: number
}

/** Folds the sums per currency and bucket into one Balance per currency (a bucket without entries is 0), in the order the currencies first appear. */
export function foldBalances(totals: Iterable<BucketTotal>): Balance[] {
  const byCurrency = new Map<string, Balance>()
  for (const { currency, bucket, total } of totals) {
    const balance = byCurrency.get(currency) ?? { currency, pending: 0, approved: 0, paid: 0, credit: 0 }
    balance[bucket] = total
    byCurrency.set(currency, balance)
  }
  return [...byCurrency.values()]
}

/** Kinds of ledger entry that change what an account earned (approvals and payouts only move it). */
export const earningKinds: readonly LedgerKind[] = ['commission', 'reversal', 'decline']
