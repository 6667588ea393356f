// POST /api/v1/conversions — advertisers' servers report a sale or lead. The order id is the idempotency key
// (one conversion per advertiser and order id); for a lead without an order id, the Idempotency-Key header is.
import { Router } from 'express'
import { badRequest } from '../errors.js'
import type { Services } from '../services.js'
import { hashIp, clientIp } from '../tracking/visitor.js'
import { accountOf, requireRole } from './auth.js'
import { conversionJson, idempotencyKey, requireJson } from './json.js'

export function conversionIngestRoutes(services: Services): Router {
  const router = Router()
  router.post('/conversions', requireRole('advertiser'), requireJson, async (req, res) => {
    const body = req.body as Record<string, unknown>
    const key = idempotencyKey(req)
    const text = (name: string) => {
      const value = body[name]
      if (value === undefined || value === null) return undefined
      if (typeof value === 'string' || (typeof value === 'number' && name === 'amount')) return String(value)
      throw badRequest(name, `${name} must be a string${name === 'amount' ? ' or a number' : ''}`)
    }
    const orderId = text('orderId') ?? (key ? `idem:${key}` : undefined)
    const campaignId = text('campaignId')
    const outcome = await services.ingest({
      source: 'api', kind: 'api', advertiserId: accountOf(req).id, trackingCode: null, campaignId: campaignId ?? null,
      params: {
        orderId, amount: text('amount'), currency: text('currency'), type: text('type'), clickId: text('clickId'), firstClickId: text('firstClickId'), email: text('customerEmail'),
      },
      fields: { orderId: 'orderId', clickId: 'clickId', email: 'customerEmail' },
      cookieClicks: {}, raw: body, ipHash: hashIp(services.config.cookieSecret, clientIp(req, services.config.trustProxy)), userAgent: req.get('user-agent') ?? null,
    })
    if (!outcome.created) res.set('Idempotent-Replayed', 'true')
    res.status(outcome.created ? 201 : 200).json({ conversion: conversionJson(outcome.conversion), reason: outcome.reason })
  })
  return router
}

