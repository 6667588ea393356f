// The order call from a shop's confirmation page (the tracker's `order`, by beacon or image): unauthenticated,
// so its policy is stricter than the order API's. The tracking code names the shop, which must be an active
// publisher; a reloaded page's known order is answered as the duplicate it is; a visitor may notify only a few
// new orders in a while (counted in the store, so the limit holds across processes), so a page cannot be used
// to mail offers to many addresses. Every outcome lands in the shop's request log.
import { AppError } from '../errors.js'
import { RateLimit } from '../rateLimit.js'
import type { Storage, TrackingCode } from '../storage/types.js'
import { conversionParams } from '../tracking/params.js'
import type { RequestLog } from '../tracking/requestLog.js'
import type { Monetize, OrderResult } from './index.js'

/** Who sent the call, as the request log keeps it. */
export interface Visitor {
  ipHash: string
  userAgent: string | null
}

export interface BrowserOrderDeps {
  storage: Storage
  requestLog: RequestLog
  notify: Monetize['notify']
  /** The tracking code by its code (cached on the hot path). */
  lookupCode(code: string): Promise<TrackingCode | null>
}

const browserOrderLimit = { orders: 5, windowMs: 10 * 60_000 }

export function createBrowserOrders(deps: BrowserOrderDeps) {
  const { storage, requestLog } = deps
  const recent = new RateLimit(storage.rateLimits, 'browser-order', browserOrderLimit.orders, browserOrderLimit.windowMs)

  /** Records the order of a confirmation page's call (`raw`: its tracking parameters); refusals are AppErrors. */
  async function notify(visitor: Visitor, raw: Record<string, string>): Promise<OrderResult> {
    const params = conversionParams(raw)
    const code = params.code?.slice(0, 100)
    const trackingCode = code ? await deps.lookupCode(code) : null
    const shop = trackingCode?.status === 'active' ? await storage.accounts.get(trackingCode.advertiserId) : null
    const log = { kind: 'order' as const, params: raw, ...visitor, advertiserId: trackingCode?.advertiserId, trackingCodeId: trackingCode?.id }
    const refuse = async (status: number, reason: string, message: string, field?: string): Promise<never> => {
      await requestLog.record({ ...log, outcome: 'rejected', reason })
      throw new AppError(status, reason, message, field)
    }
    if (!trackingCode || !shop) return refuse(400, 'unknown_code', 't (the tracking code) is unknown or paused', 't')
    if (!shop.roles.includes('publisher') || shop.status !== 'active') return refuse(403, 'not_monetizing', 'this shop does not monetize its orders', 't')
    // A reloaded confirmation page reports its order again (the tracker remembers nothing): a known order is
    // answered as the duplicate it is, without counting against the visitor's limit.
    const known = params.orderId ? await storage.orders.getByExternalId(shop.id, params.orderId) : null
    if (known) {
      await requestLog.record({ ...log, outcome: 'accepted', reason: 'duplicate_order' })
      return { order: known, created: false, message: null }
    }
    if ((await recent.record(visitor.ipHash)) > 0) return refuse(429, 'rate_limited', 'too many orders from this visitor; try again later')
    try {
      const result = await deps.notify(shop, { orderId: params.orderId, email: params.email, name: raw.name, amount: params.amount, currency: params.currency })
      await requestLog.record({ ...log, outcome: 'accepted', reason: result.created ? 'order_recorded' : 'duplicate_order' })
      return result
    } catch (error) {
      if (error instanceof AppError) await requestLog.record({ ...log, outcome: 'rejected', reason: error.code })
      throw error
    }
  }

  return { notify }
}
