// F5 payouts: accounts whose approved balance (less what scheduled payouts already hold) reaches the minimum
// are paid in a batch per period. Making a batch plans the payouts; marking it paid moves each payout from
// approved to paid in the ledger (kind `payout`, keyed by the payout, so a retry never pays twice). A payout
// the approved balance no longer covers (a refund or a reinvest since) fails and stays for a later batch.
import { AppError, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { minorDigits } from '../money.js'
import type { Account, Payout, PayoutBatch, Storage } from '../storage/types.js'
import { UniqueViolation } from '../storage/types.js'

/** The configured minimum (a decimal such as "50.00") in minor units of `currency`, rounded up. */
export function payoutMinimum(minimum: string, currency: string): number {
  const digits = minorDigits(currency)
  const [whole = '0', fraction = ''] = minimum.split('.')
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || '0')
  return /[1-9]/.test(fraction.slice(digits)) ? minor + 1 : minor
}

export interface DuePayout {
  account: Account
  currency: string
  approved: number
  /** Held by scheduled payouts of earlier batches. */
  scheduled: number
  /** What the next batch pays. */
  payable: number
}

const periodPattern = /^\d{4}-(0[1-9]|1[0-2])$/

export interface PayoutDeps {
  storage: Storage
  /** The smallest approved balance paid out, a decimal such as "50.00" in each currency (PAYOUT_MINIMUM). */
  minimum: string
}

export function createPayouts({ storage, minimum }: PayoutDeps) {

  /** Active accounts whose payable approved balance reaches the minimum, per currency. */
  async function due(): Promise<DuePayout[]> {
    const balances = await storage.payouts.payable()
    const accounts = new Map((await storage.accounts.list()).map((a) => [a.id, a]))
    return balances.flatMap((b) => {
      const account = accounts.get(b.accountId)
      const payable = b.approved - b.scheduled
      if (!account || account.status !== 'active' || payable < payoutMinimum(minimum, b.currency)) return []
      return [{ account, currency: b.currency, approved: b.approved, scheduled: b.scheduled, payable }]
    })
  }

  async function createBatch(admin: Account, period: string): Promise<{ batch: PayoutBatch; payouts: Payout[] }> {
    if (!periodPattern.test(period)) throw new AppError(400, 'invalid', 'period must be a month such as 2025-01', 'period')
    const list = await due()
    if (list.length === 0) throw new AppError(409, 'nothing_due', 'no account has an approved balance at or above the payout minimum', 'period')
    try {
      return await storage.payouts.createBatch(
        { id: newId('pb'), period, createdBy: admin.id },
        list.map((d) => ({ id: newId('po'), accountId: d.account.id, amount: d.payable, currency: d.currency })),
      )
    } catch (error) {
      if (error instanceof UniqueViolation) throw new AppError(409, 'period_taken', `there is already a payout batch for ${period}`, 'period')
      throw error
    }
  }

  /** Pays every scheduled payout of the batch through the ledger, then marks the batch paid. */
  async function markPaid(batchId: string, now = new Date()): Promise<{ paid: number; failed: number }> {
    const batch = await storage.payouts.getBatch(batchId)
    if (!batch) throw notFound('payout batch')
    if (batch.status === 'paid') throw new AppError(409, 'already_paid', 'this batch is already paid')
    let paid = 0
    let failed = 0
    for (const payout of await storage.payouts.listByBatch(batch.id)) {
      if (payout.status !== 'scheduled') continue
      const result = await storage.ledger.transfer({
        accountId: payout.accountId, currency: payout.currency, from: 'approved', to: 'paid', amount: payout.amount, kind: 'payout',
        key: `payout:${payout.id}`, memo: `payout ${batch.period}`, payoutId: payout.id,
      })
      // 'duplicate': an earlier, interrupted run moved the money already; the payout is paid.
      const done = result === 'insufficient'
        ? await storage.payouts.update(payout.id, ['scheduled'], {
          status: 'failed', note: 'the approved balance no longer covers it (a refund or reinvest since the batch was made); it stays approved for a later batch',
        })
        : await storage.payouts.update(payout.id, ['scheduled'], { status: 'paid', paidAt: now })
      if (done?.status === 'paid') paid++
      if (done?.status === 'failed') failed++
    }
    await storage.payouts.setBatchStatus(batch.id, ['scheduled'], 'paid', now)
    return { paid, failed }
  }

  return { due, createBatch, markPaid }
}

export type Payouts = ReturnType<typeof createPayouts>
