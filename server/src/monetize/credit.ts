// Advertising credit: a shop that also advertises may move approved earnings into credit (reinvest), and
// the credit pays the commissions of its own campaigns first (spend, when a conversion is approved).
import { AppError } from '../errors.js'
import type { Account, Conversion, Storage } from '../storage/types.js'

export function createCredit({ storage }: { storage: Storage }) {
  /** Moves approved earnings into advertising credit (an account that is publisher and advertiser). */
  async function reinvest(account: Account, amount: number, currency: string, key: string) {
    if (!account.roles.includes('publisher') || !account.roles.includes('advertiser')) {
      throw new AppError(403, 'forbidden', 'reinvesting needs an account that is both publisher and advertiser')
    }
    const result = await storage.ledger.transfer({ accountId: account.id, currency, from: 'approved', to: 'credit', amount, kind: 'reinvest', key: `reinvest:${key}`, memo: 'reinvested into advertising credit' })
    if (result === 'insufficient') throw new AppError(409, 'insufficient_funds', 'amount is more than the approved balance in that currency', 'amount')
    return result
  }

  /** When a conversion on an advertiser's campaign is approved, its advertising credit pays for it first. */
  async function spend(conversion: Conversion): Promise<number> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const balance = (await storage.ledger.balances(conversion.advertiserId)).find((b) => b.currency === conversion.commissionCurrency)
      const amount = Math.min(balance?.credit ?? 0, conversion.commission - conversion.reversedCommission)
      if (amount <= 0) return 0
      const result = await storage.ledger.transfer({
        accountId: conversion.advertiserId, currency: conversion.commissionCurrency, from: 'credit', to: null, amount, kind: 'spend',
        key: `conversion:${conversion.id}:spend`, memo: `commission of conversion ${conversion.orderId}`, conversionId: conversion.id,
      })
      if (result !== 'insufficient') return result === 'done' ? amount : 0
    }
    return 0
  }

  return { reinvest, spend }
}

export type Credit = ReturnType<typeof createCredit>
