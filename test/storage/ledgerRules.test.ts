// The ledger's driver-independent rules (server/src/storage/ledgerRules.ts), without a store: both drivers decide
// transfers and fold balances through them, and the contract suite checks that each driver reads and writes around them.
import { describe, expect, it } from 'vitest'
import type { LedgerTransfer } from '../../server/src/storage/types.js'
import { earningKinds, foldBalances, planTransfer, transferDuplicateKey, transferEntryKey } from '../../server/src/storage/ledgerRules.js'

const transfer: LedgerTransfer = {
  accountId: 'acc_1', currency: 'EUR', from: 'approved', to: 'paid', amount: 300, kind: 'payout', key: 'payout:pay_1', memo: 'June',
}

describe('ledger rules: transfers', () => {
  it('names a transfer’s entries by its key and bucket, and a duplicate by its entry in the source bucket', () => {
    expect(transferEntryKey(transfer, 'paid')).toBe('payout:pay_1:paid')
    expect(transferDuplicateKey(transfer)).toBe('payout:pay_1:approved')
  })

  it('refuses a transfer whose key was used before, whatever the balance', () => {
    expect(planTransfer(transfer, { taken: true, sourceBalance: 1_000 })).toEqual({ result: 'duplicate' })
    expect(planTransfer(transfer, { taken: true, sourceBalance: 0 })).toEqual({ result: 'duplicate' })
  })

  it('refuses a transfer the source bucket does not cover, and allows one it covers exactly', () => {
    expect(planTransfer(transfer, { taken: false, sourceBalance: 299 })).toEqual({ result: 'insufficient' })
    expect(planTransfer(transfer, { taken: false, sourceBalance: -5 })).toEqual({ result: 'insufficient' })
    expect(planTransfer(transfer, { taken: false, sourceBalance: 300 }).result).toBe('done')
  })

  it('plans the pair of entries: out of the source bucket, into the target, with the transfer’s references', () => {
    expect(planTransfer({ ...transfer, payoutId: 'pay_1', conversionId: 'cnv_1' }, { taken: false, sourceBalance: 500 })).toEqual({
      result: 'done',
      entries: [
        { accountId: 'acc_1', bucket: 'approved', amount: -300, currency: 'EUR', kind: 'payout', conversionId: 'cnv_1', payoutId: 'pay_1', key: 'payout:pay_1:approved', memo: 'June' },
        { accountId: 'acc_1', bucket: 'paid', amount: 300, currency: 'EUR', kind: 'payout', conversionId: 'cnv_1', payoutId: 'pay_1', key: 'payout:pay_1:paid', memo: 'June' },
      ],
    })
  })

  it('plans one entry when the money leaves the account, and null references when none are given', () => {
    const spend: LedgerTransfer = { accountId: 'acc_2', currency: 'USD', from: 'credit', to: null, amount: 40, kind: 'spend', key: 'spend:1', memo: null }
    expect(planTransfer(spend, { taken: false, sourceBalance: 40 })).toEqual({
      result: 'done',
      entries: [{ accountId: 'acc_2', bucket: 'credit', amount: -40, currency: 'USD', kind: 'spend', conversionId: null, payoutId: null, key: 'spend:1:credit', memo: null }],
    })
  })
})

describe('ledger rules: balances', () => {
  it('folds sums per currency and bucket into one balance per currency, in the order given, missing buckets 0', () => {
    expect(foldBalances([])).toEqual([])
    expect(foldBalances([
      { currency: 'EUR', bucket: 'approved', total: 200 },
      { currency: 'EUR', bucket: 'credit', total: 300 },
      { currency: 'USD', bucket: 'pending', total: -7 },
      { currency: 'EUR', bucket: 'paid', total: 0 },
    ])).toEqual([
      { currency: 'EUR', pending: 0, approved: 200, paid: 0, credit: 300 },
      { currency: 'USD', pending: -7, approved: 0, paid: 0, credit: 0 },
    ])
  })

  it('counts as earnings the kinds that change what an account earned, not those that only move it', () => {
    expect([...earningKinds].sort()).toEqual(['commission', 'decline', 'reversal'])
  })
})
