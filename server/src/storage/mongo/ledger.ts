import { randomUUID } from 'node:crypto'
import type { ClientSession } from 'mongoose'
import { type LedgerEntry, type LedgerRepository, type NewLedgerEntry, UniqueViolation } from '../contract/index.js'
import { foldBalances, planTransfer, transferDuplicateKey, type BucketTotal } from '../ledgerRules.js'
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

export function ledger(m: Models): LedgerRepository {
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
    async transfer(t) {
      // The account's lock document is made outside the transaction: two first transfers of an account
      // inserting it inside their transactions could meet as a duplicate key, which is not a transient error
      // and so is not retried. Out here a racing upsert on `_id` is retried by the server, and a duplicate
      // left over still means the document exists.
      await m.LedgerLock.updateOne({ _id: t.accountId }, { $setOnInsert: { n: 0 } }, { upsert: true }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error
      })
      return m.connection.transaction(async (session) => {
        // One transfer per account at a time: each writes the account's lock document first, so two concurrent
        // ones meet as a write conflict, and the transaction retry runs the loser again once the winner has
        // committed, on a snapshot that includes the winner's entries. The balance read below stays true
        // until this commits. (`upsert` so that the write, and with it the lock, can never be skipped.)
        await m.LedgerLock.updateOne({ _id: t.accountId }, { $inc: { n: 1 } }, { upsert: true, session })
        const taken = await m.LedgerEntry.exists({ key: transferDuplicateKey(t) }).session(session)
        const [row] = await m.LedgerEntry.aggregate<{ total: number }>([
          { $match: { accountId: t.accountId, currency: t.currency, bucket: t.from } },
          { $group: { _id: null, total: { $sum: '$amount' } } },
        ]).session(session)
        const plan = planTransfer(t, { taken: taken !== null, sourceBalance: row?.total ?? 0 })
        if (plan.result === 'done') await insertEntries(m, session, plan.entries)
        return plan.result
      })
    },
    async listByAccount(accountId, limit = 100) {
      const docs = await m.LedgerEntry.find({ accountId }).sort({ createdAt: -1, seq: -1 }).limit(limit).lean<LedgerEntryDoc[]>()
      return docs.map(toEntry)
    },
    async balances(accountId) {
      const rows = await m.LedgerEntry.aggregate<{ _id: Omit<BucketTotal, 'total'>; total: number }>([
        { $match: { accountId } },
        { $group: { _id: { currency: '$currency', bucket: '$bucket' }, total: { $sum: '$amount' } } },
        { $sort: { '_id.currency': 1 } },
      ])
      return foldBalances(rows.map(({ _id: { currency, bucket }, total }) => ({ currency, bucket, total })))
    },
  }
}
