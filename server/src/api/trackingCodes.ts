// Conversion tracking codes, for advertisers (the use-cases: trackingCodes/).
import { Router } from 'express'
import type { z } from 'zod'
import type { Services } from '../services.js'
import { snippetsFor, type CodeWithCampaign } from '../trackingCodes/index.js'
import { pathId } from '../validation.js'
import { accountOf, requireRole } from './auth.js'
import { requireJson } from './json.js'
import type { TrackingCode as TrackingCodeJson } from './schemas.js'

export function trackingCodeRoutes({ trackingCodes, config }: Pick<Services, 'trackingCodes' | 'config'>): Router {
  const router = Router()
  router.use('/tracking-codes', requireRole('advertiser'))

  const codeJson = ({ code: t, campaign }: CodeWithCampaign): z.output<typeof TrackingCodeJson> => ({
    id: t.id, code: t.code, campaignId: t.campaignId, name: t.name, method: t.method, redirectUrl: t.redirectUrl,
    postbackSecret: t.postbackSecret, status: t.status, createdAt: t.createdAt,
    snippets: snippetsFor(config.publicUrl, t, campaign),
  })

  router.post('/tracking-codes', requireJson, async (req, res) => {
    res.status(201).json({ trackingCode: codeJson(await trackingCodes.create(accountOf(req).id, req.body)) })
  })

  router.get('/tracking-codes', async (req, res) => {
    res.json({ trackingCodes: (await trackingCodes.listOwn(accountOf(req).id)).map(codeJson) })
  })

  router.get('/tracking-codes/:id', async (req, res) => {
    res.json({ trackingCode: codeJson(await trackingCodes.get(accountOf(req).id, pathId(req, 'id', 'tracking code'))) })
  })

  router.patch('/tracking-codes/:id', requireJson, async (req, res) => {
    res.json({ trackingCode: codeJson(await trackingCodes.update(accountOf(req).id, pathId(req, 'id', 'tracking code'), req.body)) })
  })

  return router
}
