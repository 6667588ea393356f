// The tracking request log (F4), for advertisers: every click, pixel, form, postback and API request that
// concerned them, with its outcome and reason — to test an integration and to see why a hit was ignored.
import { Router } from 'express'
import { z } from 'zod'
import type { Services } from '../services.js'
import type { RequestLogEntry } from '../storage/types.js'
import { accountOf, requireRole } from './auth.js'
import type { RequestLogEntry as RequestLogEntryJson } from './schemas.js'
import { checkRange, idString, isoDate, limit, parse } from '../validation.js'

export const logQuery = z.object({
  trackingCodeId: idString.optional(),
  outcome: z.enum(['accepted', 'rejected']).optional(),
  reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'must be a reason code such as no_click' }).optional(),
  from: isoDate(false),
  to: isoDate(true),
  limit: limit(500),
})

const entryJson = (e: RequestLogEntry): z.output<typeof RequestLogEntryJson> => ({
  id: e.id, at: e.at, kind: e.kind, outcome: e.outcome, reason: e.reason, trackingCodeId: e.trackingCodeId, linkId: e.linkId,
  conversionId: e.conversionId, clickId: e.clickId, params: e.params, userAgent: e.userAgent,
})

export function requestLogRoutes(services: Services): Router {
  const router = Router()
  router.get('/request-log', requireRole('advertiser'), async (req, res) => {
    const q = parse(logQuery, req.query)
    checkRange(q.from, q.to)
    const entries = await services.storage.requestLog.list({
      advertiserId: accountOf(req).id, trackingCodeId: q.trackingCodeId, outcome: q.outcome, reason: q.reason, from: q.from, to: q.to, limit: q.limit ?? 100,
    })
    res.json({ entries: entries.map(entryJson) })
  })
  return router
}
