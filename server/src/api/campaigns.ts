// Campaigns and their commission rules (the use-cases: campaigns/): an advertiser's own in full, other
// advertisers' active campaigns in their public face for publishers.
import { Router } from 'express'
import { z } from 'zod'
import type { Services } from '../services.js'
import { parse, pathId, side, sideOf } from '../validation.js'
import { accountOf, requireRole } from './auth.js'
import type { CampaignWithOverrides } from './schemas.js'
import { campaignJson, overrideJson, publicCampaignJson, requireJson } from './json.js'

export const listQuery = z.object({ as: side })

export function campaignRoutes({ campaigns }: Pick<Services, 'campaigns'>): Router {
  const router = Router()
  const campaignId = (req: Parameters<typeof pathId>[0]) => pathId(req, 'id', 'campaign')

  router.post('/campaigns', requireRole('advertiser'), requireJson, async (req, res) => {
    res.status(201).json({ campaign: campaignJson(await campaigns.create(accountOf(req), req.body)) })
  })

  router.get('/campaigns', async (req, res) => {
    const account = accountOf(req)
    if (sideOf(account.roles, parse(listQuery, req.query).as) === 'advertiser') {
      res.json({ campaigns: (await campaigns.listOwn(account.id)).map(campaignJson) })
    } else {
      res.json({ campaigns: (await campaigns.listActive()).map(publicCampaignJson) })
    }
  })

  router.get('/campaigns/:id', async (req, res) => {
    const seen = await campaigns.view(accountOf(req), campaignId(req))
    const { campaign } = seen
    if (!seen.own) return void res.json({ campaign: publicCampaignJson(campaign) })
    const detail: z.output<typeof CampaignWithOverrides> = { ...campaignJson(campaign), overrides: seen.overrides.map((o) => overrideJson(o, campaign.currency)) }
    res.json({ campaign: detail })
  })

  router.patch('/campaigns/:id', requireRole('advertiser'), requireJson, async (req, res) => {
    res.json({ campaign: campaignJson(await campaigns.update(accountOf(req).id, campaignId(req), req.body)) })
  })

  router.get('/campaigns/:id/overrides', requireRole('advertiser'), async (req, res) => {
    const { campaign, overrides } = await campaigns.overrides(accountOf(req).id, campaignId(req))
    res.json({ overrides: overrides.map((o) => overrideJson(o, campaign.currency)) })
  })

  router.put('/campaigns/:id/overrides/:publisherId', requireRole('advertiser'), requireJson, async (req, res) => {
    const id = campaignId(req)
    const { campaign, override } = await campaigns.putOverride(accountOf(req).id, id, pathId(req, 'publisherId', 'publisher'), req.body)
    res.json({ override: overrideJson(override, campaign.currency) })
  })

  router.delete('/campaigns/:id/overrides/:publisherId', requireRole('advertiser'), async (req, res) => {
    const id = campaignId(req)
    await campaigns.removeOverride(accountOf(req).id, id, pathId(req, 'publisherId', 'override'))
    res.status(204).end()
  })

  return router
}
