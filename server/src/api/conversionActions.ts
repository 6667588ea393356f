// Conversions after they are recorded (the use-cases: conversions/): listed for the advertiser that owns them
// or the publisher they are credited to, and approved, declined or refunded by the advertiser.
import { Router } from 'express'
import { z } from 'zod'
import { isOwner } from '../accounts/ownership.js'
import type { Services } from '../services.js'
import type { Account, Conversion } from '../storage/types.js'
import { checkRange, idString, isoDate, limit, parse, pathId, side, sideOf } from '../validation.js'
import { accountOf, requireRole } from './auth.js'
import { conversionJson, optionalJson } from './json.js'

export const listQuery = z.object({
  as: side,
  status: z.enum(['pending', 'approved', 'declined', 'reversed']).optional(),
  campaignId: idString.optional(),
  from: isoDate(false),
  to: isoDate(true),
  limit: limit(500),
})

/** A publisher sees what it earned, not who bought. */
function visibleJson(c: Conversion, account: Account) {
  const json = conversionJson(c)
  if (isOwner(c, account.id)) return json
  const { customerEmail: _hidden, ...publisherView } = json
  return publisherView
}

export function conversionActionRoutes({ conversions }: Pick<Services, 'conversions'>): Router {
  const router = Router()
  const conversionId = (req: Parameters<typeof pathId>[0]) => pathId(req, 'id', 'conversion')

  router.get('/conversions', async (req, res) => {
    const account = accountOf(req)
    const { as, limit: count, ...q } = parse(listQuery, req.query)
    checkRange(q.from, q.to)
    const list = await conversions.list(account, sideOf(account.roles, as), { ...q, limit: count ?? 100 })
    res.json({ conversions: list.map((c) => visibleJson(c, account)) })
  })

  router.get('/conversions/:id', async (req, res) => {
    const account = accountOf(req)
    res.json({ conversion: visibleJson(await conversions.visible(account, conversionId(req)), account) })
  })

  router.post('/conversions/:id/approve', requireRole('advertiser'), async (req, res) => {
    res.json({ conversion: conversionJson(await conversions.approve(accountOf(req).id, conversionId(req))) })
  })

  router.post('/conversions/:id/decline', requireRole('advertiser'), optionalJson, async (req, res) => {
    const id = conversionId(req)
    res.json({ conversion: conversionJson(await conversions.decline(accountOf(req).id, id, req.body)) })
  })

  router.post('/conversions/:id/refund', requireRole('advertiser'), optionalJson, async (req, res) => {
    const id = conversionId(req)
    res.json({ conversion: conversionJson(await conversions.refund(accountOf(req).id, id, req.body)) })
  })

  return router
}
