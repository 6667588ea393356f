import { randomUUID } from 'node:crypto'
import type { ClientSession } from 'mongoose'
import { type Balance, type LedgerEntry, type LedgerRepository, type NewLedgerEntry, UniqueViolation } from '../contract/index.js'
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

type Bucket = Exclude<keyof Balance, 'currency'>

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
        if (await m.LedgerEntry.exists({ key: `${t.key}:${t.from}` }).session(session)) return 'duplicate' as const
        const [row] = await m.LedgerEntry.aggregate<{ total: number }>([
          { $match: { accountId: t.accountId, currency: t.currency, bucket: t.from } },
          { $group: { _id: null, total: { $sum: '$amount' } } },
        ]).session(session)
        if ((row?.total ?? 0) < t.amount) return 'insufficient' as const
        const entry = (bucket: NewLedgerEntry['bucket'], amount: number): NewLedgerEntry => ({
          accountId: t.accountId, bucket, amount, currency: t.currency, kind: t.kind, conversionId: t.conversionId ?? null,
          payoutId: t.payoutId ?? null, key: `${t.key}:${bucket}`, memo: t.memo,
        })
        await insertEntries(m, session, t.to ? [entry(t.from, -t.amount), entry(t.to, t.amount)] : [entry(t.from, -t.amount)])
        return 'done' as const
      })
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
