import { describe, expect, it } from 'vitest'
import type { Campaign } from '../../server/src/storage/types.js'
import { commissionAfterRefund, commissionFor, percentOf } from '../../server/src/conversions/commission.js'

const campaign = (patch: Partial<Campaign> = {}): Campaign => ({
  id: 'cmp', advertiserId: 'adv', name: 'c', description: '', status: 'active', currency: 'EUR', landingUrls: ['https://x.example/'],
  cookieWindowDays: 30, holdDays: 0, attribution: 'last_click', saleRule: { kind: 'percent', basisPoints: 1250 }, leadRule: { kind: 'fixed', amount: 150 },
  firstPartyPath: null, createdAt: new Date(), ...patch,
})

describe('commission', () => {
  it('rounds percentages half up to the minor unit, in integers', () => {
    expect(percentOf(1995, 1000)).toBe(200) // 199.5 → 200
    expect(percentOf(1994, 1000)).toBe(199) // 199.4 → 199
    expect(percentOf(1, 5000)).toBe(1) // 0.5 → 1
    expect(percentOf(999_999_999_999, 1)).toBe(100_000_000) // no float drift on large amounts
  })
  it('applies the campaign rule by type and keeps the rule', () => {
    expect(commissionFor('sale', 10_000, 'USD', campaign(), null)).toEqual({ amount: 1250, currency: 'USD', rule: { kind: 'percent', basisPoints: 1250 } })
    expect(commissionFor('sale', 10_000, 'EUR', campaign({ saleRule: { kind: 'fixed', amount: 500 } }), null)).toEqual({ amount: 500, currency: 'EUR', rule: { kind: 'fixed', amount: 500 } })
    expect(commissionFor('lead', 0, 'EUR', campaign(), null)).toEqual({ amount: 150, currency: 'EUR', rule: { kind: 'fixed', amount: 150 } })
    expect(commissionFor('lead', 0, 'USD', campaign({ leadRule: null }), null)).toEqual({ amount: 0, currency: 'EUR', rule: null })
  })
  it('pays nothing, in the sale currency and with no rule, for a sale on a campaign that pays only leads', () => {
    // A lead-only campaign still records its sales (the advertiser sees them), at a commission of zero.
    expect(commissionFor('sale', 10_000, 'USD', campaign({ saleRule: null }), null)).toEqual({ amount: 0, currency: 'USD', rule: null })
    // An override without a sale rule leaves the campaign's (none): still nothing.
    const leadsOnly = { campaignId: 'cmp', publisherId: 'pub', saleRule: null, leadRule: { kind: 'fixed' as const, amount: 300 } }
    expect(commissionFor('sale', 10_000, 'USD', campaign({ saleRule: null }), leadsOnly)).toEqual({ amount: 0, currency: 'USD', rule: null })
    expect(commissionFor('lead', 0, 'USD', campaign({ saleRule: null }), leadsOnly)).toEqual({ amount: 300, currency: 'EUR', rule: leadsOnly.leadRule })
  })
  it('lets a per-publisher override replace the rule of its type only', () => {
    const override = { campaignId: 'cmp', publisherId: 'pub', saleRule: { kind: 'percent' as const, basisPoints: 2000 }, leadRule: null }
    expect(commissionFor('sale', 10_000, 'EUR', campaign(), override).amount).toBe(2000)
    expect(commissionFor('lead', 0, 'EUR', campaign(), override).amount).toBe(150)
  })
  it('follows refunds: percentages on the net amount, fixed only on a full refund', () => {
    const percent = { kind: 'percent' as const, basisPoints: 1000 }
    expect(commissionAfterRefund(percent, 1000, 10_000, 2_500)).toBe(750)
    expect(commissionAfterRefund(percent, 1000, 10_000, 10_000)).toBe(0)
    expect(commissionAfterRefund({ kind: 'fixed', amount: 500 }, 500, 10_000, 9_999)).toBe(500)
    expect(commissionAfterRefund({ kind: 'fixed', amount: 500 }, 500, 10_000, 10_000)).toBe(0)
  })
})
