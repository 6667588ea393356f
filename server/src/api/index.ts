// The JSON API under /api/v1: the OpenAPI document (public), then API-key authentication and one router per
// area. openapi.ts describes every route mounted here (test/api/openapi.test.ts keeps them in step).
import { inputGuard } from '../input.js'
import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { AppError } from '../errors.js'
import type { Services } from '../services.js'
import { accountRoutes } from './accounts.js'
import { requireApiKey } from './auth.js'
import { campaignRoutes } from './campaigns.js'
import { conversionActionRoutes } from './conversionActions.js'
import { conversionIngestRoutes } from './conversions.js'
import { ledgerRoutes } from './ledger.js'
import { linkRoutes } from './links.js'
import { meRoutes } from './me.js'
import { orderRoutes } from './orders.js'
import { eventRoutes } from './events.js'
import { revenueRoutes } from './revenue.js'
import { openApiDocument } from './openapi.js'
import { requestLogRoutes } from './requestLog.js'
import { trackingCodeRoutes } from './trackingCodes.js'

export function apiRoutes(services: Services): Router {
  const router = Router()
  const openApi = openApiDocument(services.config.publicUrl)
  router.get('/openapi.json', (_req, res) => {
    res.json(openApi)
  })
  // Batches of up to 1,000 orders or events are bigger than any other request.
  router.use(['/orders', '/events'], express.json({ limit: '2mb' }))
  router.use(express.json({ limit: '64kb' }))
  // Batches (orders, events) judge each item on its own: one bad item must not refuse its neighbours.
  router.use(inputGuard({ batches: { '/orders': 'orders', '/events': 'events' } }))
  router.use(requireApiKey(services.storage, services.cache.apiKeys, services.config.cookieSecret))
  router.use(meRoutes(services))
  router.use(accountRoutes(services))
  router.use(campaignRoutes(services))
  router.use(linkRoutes(services))
  router.use(trackingCodeRoutes(services))
  router.use(conversionIngestRoutes(services))
  router.use(conversionActionRoutes(services))
  router.use(ledgerRoutes(services))
  router.use(requestLogRoutes(services))
  router.use(orderRoutes(services))
  router.use(eventRoutes(services))
  router.use(revenueRoutes(services))
  // A path parameter that is not valid percent-encoding (/campaigns/%ff) is a 404 like any unknown id,
  // not the 500 Express's own decoding error would become.
  router.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(error instanceof URIError ? new AppError(404, 'not_found', 'no such resource') : error)
  })
  return router
}
