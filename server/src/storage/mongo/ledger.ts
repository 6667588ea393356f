import { randomUUID } from 'node:crypto'
import type { ClientSession } from 'mongoose'
import { UniqueViolation, type Balance, type LedgerEntry, type NewLedgerEntry, type Storage } from '../types.js'
import { isDuplicateKey } from './errors.js'
import { nextSeq, type LedgerEntryDoc, type Models } from './models.js'

const toEntry = (d: LedgerEntryDoc): LedgerEntry => ({
  id: d._id,
  accountId: d.accountId,
  bucket: d.bucket,
  amount: d.amount,
  currency: d.currency,
  kind: d.kind,
  conversionId: d.conversionId ?? null,
  payoutId: d.payoutId ?? null,
  key: d.key,
  memo: d.memo ?? null,
  createdAt: d.createdAt,
})

/**
 * Inserts the entries inside the caller's transaction; returns how many were new. An entry whose key is
 * already written (or repeated earlier in the same call) is skipped: a write error would abort the whole
 * MongoDB transaction, so keys are checked first rather than left to the unique index.
 */
/**
 * Inserts the entries inside the caller's transaction. A key already taken (by an earlier entry or by a
 * twin in this call) throws UniqueViolation, which aborts the whole transaction.
 */
export async function insertEntries(m: Models, session: ClientSession, entries: NewLedgerEntry[]): Promise<void> {
  if (entries.length === 0) return
  const createdAt = new Date()
  const docs: LedgerEntryDoc[] = entries.map((e) => ({ _id: randomUUID(), ...e, createdAt, seq: nextSeq() }))
  try {
    await m.LedgerEntry.insertMany(docs, { session, lean: true })
  } catch (error) {
    if (isDuplicateKey(error)) throw new UniqueViolation('ledger entry')
    throw error
  }
}

type Bucket = Exclude<keyof Balance, 'currency'>

export function ledger(m: Models): Storage['ledger'] {
  return {
    async append(entries) {
      try {
        await m.connection.transaction((session) => insertEntries(m, session, entries))
        return true
      } catch (error) {
        if (error instanceof UniqueViolation) return false
        throw error
      }
    },
    async listByAccount(accountId, limit = 100) {
      const docs = await m.LedgerEntry.find({ accountId }).sort({ createdAt: -1, seq: -1 }).limit(limit).lean<LedgerEntryDoc[]>()
      return docs.map(toEntry)
    },
    async balances(accountId) {
      const rows = await m.LedgerEntry.aggregate<{ _id: { currency: string; bucket: Bucket }; total: number }>([
        { $match: { accountId } },
        { $group: { _id: { currency: '$currency', bucket: '$bucket' }, total: { $sum: '$amount' } } },
        { $sort: { '_id.currency': 1 } },
      ])
      const byCurrency = new Map<string, Balance>()
      for (const { _id: { currency, bucket }, total } of rows) {
        const balance = byCurrency.get(currency) ?? { currency, pending: 0, approved: 0, paid: 0, credit: 0 }
        balance[bucket] = total
        byCurrency.set(currency, balance)
      }
      return [...byCurrency.values()]
    },
  }
}
