// Conversions after they are recorded, for the API and the portal alike: seen by the advertiser that owns
// them or the publisher they are credited to; approved, declined or refunded by the advertiser (the
// lifecycle moves the money).
import { z } from 'zod'
import { isOwner } from '../accounts/ownership.js'
import { notFound } from '../errors.js'
import { parseAmount } from '../money.js'
import type { Account, Conversion, ConversionQuery, Storage } from '../storage/types.js'
import { decimal, longText, parse } from '../validation.js'
import type { Lifecycle } from './lifecycle.js'

const reasonField = longText(500).optional()
export const declineBody = z.strictObject({ reason: reasonField })
export const refundBody = z.strictObject({ amount: decimal.optional(), kind: z.enum(['refund', 'chargeback']).default('refund'), reason: reasonField })

export interface ConversionDeps {
  storage: Storage
  lifecycle: Lifecycle
}

export function createConversions({ storage, lifecycle }: ConversionDeps) {
  /** A conversion its advertiser or its publisher may see; to anyone else it does not exist. */
  async function visible(account: Account, id: string): Promise<Conversion> {
    const c = await storage.conversions.get(id)
    if (!c || !(isOwner(c, account.id) || isOwner(c, account.id, 'publisherId'))) throw notFound('conversion')
    return c
  }

  /** The account's conversions as advertiser (its campaigns') or as publisher (credited to it). */
  function list(account: Account, side: 'advertiser' | 'publisher', query: Omit<ConversionQuery, 'advertiserId' | 'publisherId'>): Promise<Conversion[]> {
    return storage.conversions.list({ ...query, ...(side === 'advertiser' ? { advertiserId: account.id } : { publisherId: account.id }) })
  }

  /** Declines the advertiser's pending conversion: `{ reason? }`. */
  async function decline(advertiserId: string, id: string, input: unknown): Promise<Conversion> {
    const body = parse(declineBody, input)
    return lifecycle.decline(advertiserId, id, body.reason || null)
  }

  /** Refunds or charges back the advertiser's conversion: `{ amount? (a decimal in its currency; all that is left when absent), kind, reason? }`. */
  async function refund(advertiserId: string, id: string, input: unknown): Promise<Conversion> {
    const body = parse(refundBody, input)
    const current = await lifecycle.own(advertiserId, id)
    const amount = body.amount === undefined ? undefined : parseAmount(body.amount, current.currency, 'amount')
    return lifecycle.refund(advertiserId, id, { amount, kind: body.kind, reason: body.reason || null })
  }

  return {
    visible, list, decline, refund,
    /** The advertiser's own conversion. */
    own: (advertiserId: string, id: string) => lifecycle.own(advertiserId, id),
    approve: (advertiserId: string, id: string) => lifecycle.approveNow(advertiserId, id),
  }
}

export type Conversions = ReturnType<typeof createConversions>
