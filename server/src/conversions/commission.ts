// Commission rules → an amount in minor units, with the rule kept beside it.
//
// Rounding rule: a percentage commission is amount × basis points / 10,000, rounded half up to the nearest
// minor unit of the sale's currency, computed in integers. A fixed commission is paid in the campaign's
// currency. A per-publisher override replaces the campaign's rule of the same type.
import type { Campaign, CommissionOverride, ConversionType, LeadRule, SaleRule } from '../storage/types.js'

export interface Commission {
  amount: number
  currency: string
  rule: SaleRule | LeadRule | null
}

/** amount × basisPoints / 10,000, rounded half up, without floating point. */
export function percentOf(amount: number, basisPoints: number): number {
  return Number((BigInt(amount) * BigInt(basisPoints) * 2n + 10_000n) / 20_000n)
}

export function commissionFor(
  type: ConversionType,
  amount: number,
  currency: string,
  campaign: Campaign,
  override: CommissionOverride | null,
): Commission {
  if (type === 'lead') {
    const rule = override?.leadRule ?? campaign.leadRule
    return rule ? { amount: rule.amount, currency: campaign.currency, rule } : { amount: 0, currency: campaign.currency, rule: null }
  }
  const rule = override?.saleRule ?? campaign.saleRule
  if (!rule) return { amount: 0, currency, rule: null }
  if (rule.kind === 'percent') return { amount: percentOf(amount, rule.basisPoints), currency, rule }
  return { amount: rule.amount, currency: campaign.currency, rule }
}

/**
 * The commission still owed after refunds: percentage rules follow the net amount; a fixed sale commission
 * stays until the sale is refunded in full.
 */
export function commissionAfterRefund(rule: SaleRule | LeadRule | null, original: number, amount: number, refunded: number): number {
  if (refunded >= amount) return 0
  if (rule?.kind === 'percent') return Math.min(original, percentOf(amount - refunded, rule.basisPoints))
  return original
}
