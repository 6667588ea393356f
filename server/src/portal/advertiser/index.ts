// The advertiser's pages, one file per section: campaigns with their commission rules, tracking codes with
// copy-ready snippets, conversions with approve / decline / refund, the request log, monetize and the revenue
// report. Forms go through the same use-cases as the API; another account's ids answer 404.
import { Router } from 'express'
import type { PortalContext } from '../kit.js'
import { revenueRoutes } from '../revenue.js'
import { campaignsPages } from './campaigns.js'
import { conversionsPages } from './conversions.js'
import { monetizePages } from './monetize.js'
import { requestLogPages } from './requestLog.js'
import { trackingCodesPages } from './trackingCodes.js'

export function advertiserRoutes(ctx: PortalContext): Router {
  const router = Router()
  for (const section of [campaignsPages, trackingCodesPages, conversionsPages, requestLogPages, monetizePages, revenueRoutes]) router.use(section(ctx))
  return router
}
