// Conversions after they are recorded: listed for the advertiser that owns them or the publisher they are
// credited to, and approved, declined or refunded by the advertiser (the lifecycle does the money).
import { Router } from 'express'
import { z } from 'zod'
import { notFound } from '../errors.js'
import { parseAmount } from '../money.js'
import type { Services } from '../services.js'
import type { Account, Conversion } from '../storage/types.js'
import { accountOf, requireRole } from './auth.js'
import { conversionJson, optionalJson } from './json.js'
import { checkRange, decimal, idString, isoDate, limit, longText, parse, pathId, side, sideOf } from './validate.js'

export const listQuery = z.object({
  as: side,
  status: z.enum(['pending', 'approved', 'declined', 'reversed']).optional(),
  campaignId: idString.optional(),
  from: isoDate(false),
  to: isoDate(true),
  limit: limit(500),
})
const reasonField = longText(500).optional()
export const declineBody = z.strictObject({ reason: reasonField })
export const refundBody = z.strictObject({ amount: decimal.optional(), kind: z.enum(['refund', 'chargeback']).default('refund'), reason: reasonField })

/** A publisher sees what it earned, not who bought. */
function visibleJson(c: Conversion, account: Account) {
  const json = conversionJson(c)
  if (c.advertiserId === account.id) return json
  const { customerEmail: _hidden, ...publisherView } = json
  return publisherView
}

export function conversionActionRoutes(services: Services): Router {
  const { storage, lifecycle } = services
  const router = Router()

  router.get('/conversions', async (req, res) => {
    const account = accountOf(req)
    const q = parse(listQuery, req.query)
    checkRange(q.from, q.to)
    const whose = sideOf(account.roles, q.as) === 'advertiser' ? { advertiserId: account.id } : { publisherId: account.id }
    const conversions = await storage.conversions.list({ ...whose, status: q.status, campaignId: q.campaignId, from: q.from, to: q.to, limit: q.limit ?? 100 })
    res.json({ conversions: conversions.map((c) => visibleJson(c, account)) })
  })

  router.get('/conversions/:id', async (req, res) => {
    const account = accountOf(req)
    const c = await storage.conversions.get(pathId(req, 'id', 'conversion'))
    if (!c || (c.advertiserId !== account.id && c.publisherId !== account.id)) throw notFound('conversion')
    res.json({ conversion: visibleJson(c, account) })
  })

  router.post('/conversions/:id/approve', requireRole('advertiser'), async (req, res) => {
    const c = await lifecycle.approveNow(accountOf(req).id, pathId(req, 'id', 'conversion'))
    res.json({ conversion: conversionJson(c) })
  })

  router.post('/conversions/:id/decline', requireRole('advertiser'), optionalJson, async (req, res) => {
    const id = pathId(req, 'id', 'conversion')
    const body = parse(declineBody, req.body)
    const c = await lifecycle.decline(accountOf(req).id, id, body.reason || null)
    res.json({ conversion: conversionJson(c) })
  })

  router.post('/conversions/:id/refund', requireRole('advertiser'), optionalJson, async (req, res) => {
    const advertiserId = accountOf(req).id
    const id = pathId(req, 'id', 'conversion')
    const body = parse(refundBody, req.body)
    const current = await storage.conversions.get(id)
    if (!current || current.advertiserId !== advertiserId) throw notFound('conversion')
    const amount = body.amount === undefined ? undefined : parseAmount(body.amount, current.currency, 'amount')
    const c = await lifecycle.refund(advertiserId, id, { amount, kind: body.kind, reason: body.reason || null })
    res.json({ conversion: conversionJson(c) })
  })

  return router
}
