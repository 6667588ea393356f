// Commission rules as people write them ("12.5" percent, "5.00" per sale) → as stored (basis points, minor
// units of the campaign's currency), and back for display.
import { z } from 'zod'
import { badRequest } from '../errors.js'
import { parseAmount } from '../money.js'
import type { LeadRule, SaleRule } from '../storage/types.js'
import { decimal } from '../validation.js'

export const saleRuleInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('percent'), percent: decimal }),
  z.strictObject({ kind: z.literal('fixed'), amount: decimal }),
])
export const leadRuleInput = z.strictObject({ kind: z.literal('fixed').optional(), amount: decimal })
type SaleRuleInput = z.output<typeof saleRuleInput>
type LeadRuleInput = z.output<typeof leadRuleInput>

/** "12.5" → 1250 basis points: at most two decimals, more than 0 and at most 100 %. */
function basisPoints(value: string | number, field: string): number {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(typeof value === 'number' ? String(value) : value.trim())
  const points = match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : Number.NaN
  if (!(points > 0 && points <= 10_000)) throw badRequest(field, `${field} must be a percentage above 0 and at most 100, with up to 2 decimals (e.g. "12.5")`, 'bad_percent')
  return points
}

function positiveAmount(value: string | number, currency: string, field: string): number {
  const amount = parseAmount(value, currency, field)
  if (amount === 0) throw badRequest(field, `${field} must be more than 0 (use null for no commission)`, 'bad_amount')
  return amount
}

export function saleRule(input: SaleRuleInput | null, currency: string, field = 'saleRule'): SaleRule | null {
  if (!input) return null
  return input.kind === 'percent'
    ? { kind: 'percent', basisPoints: basisPoints(input.percent, `${field}.percent`) }
    : { kind: 'fixed', amount: positiveAmount(input.amount, currency, `${field}.amount`) }
}

export function leadRule(input: LeadRuleInput | null, currency: string, field = 'leadRule'): LeadRule | null {
  return input ? { kind: 'fixed', amount: positiveAmount(input.amount, currency, `${field}.amount`) } : null
}

/** 1250 basis points → "12.5". */
export const percentText = (basisPoints: number) => (basisPoints / 100).toFixed(2).replace(/\.?0+$/, '')
