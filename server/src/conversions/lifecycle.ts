// F4/F5: a conversion's life after it is recorded. pending → approved when the hold period ends (an Agenda
// job), or → declined by the advertiser; refunds and chargebacks reverse commission, partially or fully.
// Every money movement is a ledger entry with an idempotency key, written atomically with the state change.
import { owned } from '../accounts/ownership.js'
import { AppError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Conversion, LedgerKind, NewLedgerEntry, Storage } from '../storage/types.js'
import { UniqueViolation } from '../storage/types.js'
import { commissionAfterRefund } from './commission.js'

/** Approves every conversion due by its run time; scheduled once per time bucket, whatever the volume. */
export const approveDueJob = 'conversions.approve-due-at'
/** Conversions due within the same few seconds share one approval run. */
const approvalBucketMs = 5_000

export interface LifecycleDeps {
  storage: Storage
  logger: Logger
  /** Schedules an Agenda job (persistent; survives restarts) unless one with the same data[key] exists. */
  scheduleOnce(when: Date, job: string, data: Record<string, unknown>, key: string): Promise<unknown>
  /** Runs after a conversion is approved (e.g. the advertiser's credit pays its commission). */
  onApproved?(conversion: Conversion): Promise<unknown>
}

/** The commission still owed on a conversion. */
export const outstanding = (c: Conversion) => c.commission - c.reversedCommission

function move(c: Conversion, key: string, kind: LedgerKind, entries: [NewLedgerEntry['bucket'], number][], memo: string | null = null): NewLedgerEntry[] {
  if (!c.publisherId) return []
  return entries
    .filter(([, amount]) => amount !== 0)
    .map(([bucket, amount]) => ({
      accountId: c.publisherId as string, bucket, amount, currency: c.commissionCurrency, kind,
      conversionId: c.id, payoutId: null, key: `${key}:${bucket}`, memo,
    }))
}

export function createLifecycle(deps: LifecycleDeps) {
  const { storage } = deps
  // Buckets this process has scheduled already: a busy minute costs a few job rows, not one per conversion.
  const scheduledBuckets = new Set<number>()

  /** pending → approved with its ledger entries, then the after-approval step; null when it was not pending. */
  async function approveLoaded(c: Conversion, now: Date): Promise<Conversion | null> {
    const amount = outstanding(c)
    const done = await storage.conversions.transition({
      id: c.id, from: ['pending'], set: { status: 'approved', decidedAt: now },
      ledger: move(c, `conversion:${c.id}:approved`, 'approval', [['pending', -amount], ['approved', amount]]),
    })
    if (done && deps.onApproved) {
      try {
        await deps.onApproved(done)
      } catch (error) {
        deps.logger.error({ err: error, conversionId: done.id }, 'after-approval step failed')
      }
    }
    return done
  }

  async function own(advertiserId: string, id: string): Promise<Conversion> {
    return owned(await storage.conversions.get(id), advertiserId, 'conversion')
  }

  return {
    /** The advertiser's own conversion; another advertiser's is as invisible as a missing one. */
    own,

    /** The pending ledger entry for a newly recorded conversion. */
    earned(c: Omit<Conversion, 'createdAt' | 'decidedAt'>): NewLedgerEntry[] {
      return move(c as Conversion, `conversion:${c.id}:earned`, 'commission', [['pending', c.commission]])
    },

    /** Makes sure an approval run happens when the conversion's hold period ends. */
    async scheduleApproval(c: Pick<Conversion, 'id' | 'approveAt'>): Promise<void> {
      const now = Date.now()
      const at = Math.ceil((c.approveAt?.getTime() ?? now) / approvalBucketMs) * approvalBucketMs
      if (scheduledBuckets.has(at)) return
      // (`<=` would do as well: a bucket ending this very millisecond is due, and asking for it again is harmless.)
      for (const bucket of scheduledBuckets) if (bucket < now) scheduledBuckets.delete(bucket)
      try {
        await deps.scheduleOnce(new Date(at), approveDueJob, { at }, 'at')
        scheduledBuckets.add(at)
      } catch (error) {
        // The periodic sweep approves it anyway once due; losing the job must not lose the conversion.
        deps.logger.error({ err: error, conversionId: c.id }, 'could not schedule approval')
      }
    },

    /** Approves a pending conversion whose hold period is over; a no-op for any other state. */
    async approve(id: string, now = new Date()): Promise<Conversion | null> {
      const c = await storage.conversions.get(id)
      // (The status check only saves a write: the transition below is guarded by `from: ['pending']` too.)
      if (!c || c.status !== 'pending') return null
      if (c.approveAt && c.approveAt.getTime() > now.getTime()) return null
      return approveLoaded(c, now)
    },

    /** Approves every pending conversion that is due: the approval runs and the safety-net sweep. */
    async approveDue(now = new Date()): Promise<number> {
      let count = 0
      for (;;) {
        // The listed conversions are due and pending as read; the transition re-checks the state.
        const due = await storage.conversions.list({ status: 'pending', dueBefore: now, limit: 200 })
        let progressed = false
        for (const c of due) {
          if (await approveLoaded(c, now)) {
            count++
            progressed = true
          }
        }
        if (due.length < 200 || !progressed) return count
      }
    },

    /** The advertiser approves a pending conversion before its hold period ends. */
    async approveNow(advertiserId: string, id: string): Promise<Conversion> {
      const c = await own(advertiserId, id)
      if (c.status !== 'pending') throw new AppError(409, 'not_pending', `only pending conversions can be approved (this one is ${c.status})`, 'status')
      const done = await approveLoaded(c, new Date())
      if (!done) throw new AppError(409, 'conflict', 'the conversion changed meanwhile; try again', 'status')
      return done
    },

    async decline(advertiserId: string, id: string, reason: string | null): Promise<Conversion> {
      const c = await own(advertiserId, id)
      if (c.status !== 'pending') {
        throw new AppError(409, 'not_pending', `only pending conversions can be declined (this one is ${c.status}); refund an approved one`, 'status')
      }
      const done = await storage.conversions.transition({
        id, from: ['pending'], set: { status: 'declined', decidedAt: new Date() },
        ledger: move(c, `conversion:${id}:declined`, 'decline', [['pending', -outstanding(c)]], reason),
      })
      if (!done) throw new AppError(409, 'conflict', 'the conversion changed meanwhile; try again', 'status')
      return done
    },

    /**
     * Refunds (or charges back) `amount` minor units of a sale, all of what is left when omitted. The
     * commission follows: percentage rules on the net amount, fixed ones only on a full refund. An approved
     * (possibly already paid) commission is reversed with a negative entry on the approved balance.
     */
    async refund(advertiserId: string, id: string, input: { amount?: number; kind: 'refund' | 'chargeback'; reason?: string | null }): Promise<Conversion> {
      const c = await own(advertiserId, id)
      if (c.status !== 'pending' && c.status !== 'approved') {
        throw new AppError(409, 'not_refundable', `a ${c.status} conversion cannot be refunded`, 'status')
      }
      const left = c.amount - c.refundedAmount
      const amount = input.amount ?? left
      if (!Number.isSafeInteger(amount) || amount <= 0) throw new AppError(400, 'bad_amount', 'amount must be a positive amount', 'amount')
      if (amount > left) throw new AppError(400, 'bad_amount', `amount exceeds what is left to refund (${left} minor units)`, 'amount')
      const refunded = c.refundedAmount + amount
      const owed = commissionAfterRefund(c.commissionRule, c.commission, c.amount, refunded)
      const reversal = outstanding(c) - owed
      const bucket = c.status === 'pending' ? 'pending' : 'approved'
      try {
        const done = await storage.conversions.transition({
          id, from: [c.status], whenRefundedAmount: c.refundedAmount,
          set: { refundedAmount: refunded, reversedCommission: c.reversedCommission + reversal, ...(refunded >= c.amount && { status: 'reversed' as const, decidedAt: new Date() }) },
          ledger: move(c, `conversion:${id}:${input.kind}:${c.refundedAmount}`, 'reversal', [[bucket, -reversal]], input.reason ?? input.kind),
        })
        if (done) return done
      } catch (error) {
        if (!(error instanceof UniqueViolation)) throw error
      }
      throw new AppError(409, 'conflict', 'the conversion changed meanwhile; reload it and try again', 'amount')
    },
  }
}

export type Lifecycle = ReturnType<typeof createLifecycle>
