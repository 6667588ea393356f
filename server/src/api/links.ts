// Tracked links, for publishers: one per campaign and landing URL, shared as `${publicUrl}/c/${code}`.
import { Router } from 'express'
import { z } from 'zod'
import { badRequest, notFound } from '../errors.js'
import { newId, newLinkCode } from '../ids.js'
import type { Services } from '../services.js'
import type { Link, Storage } from '../storage/types.js'
import { accountOf, requireRole } from './auth.js'
import { requireJson } from './json.js'
import type { Link as LinkJson } from './schemas.js'
import { httpUrl, idString, parse, pathId } from './validate.js'

export const newLinkBody = z.strictObject({ campaignId: idString, landingUrl: httpUrl.optional() })
export const linkPatch = z.strictObject({ status: z.enum(['active', 'paused']) })

export const subIdNote = 'Add sub1 … sub5 query parameters (e.g. ?sub1=newsletter&sub2=spring) to tell your traffic sources apart: they are recorded with every click.'

function normalised(url: string): string {
  try {
    return new URL(url).href
  } catch {
    return url
  }
}

/** Creates the publisher's link to an active campaign from an API-shaped body (validated here). */
export async function createLink(storage: Storage, publisherId: string, input: unknown): Promise<Link> {
  const body = parse(newLinkBody, input)
  const campaign = await storage.campaigns.get(body.campaignId)
  // A paused campaign and another advertiser's missing one answer alike.
  if (!campaign || campaign.status !== 'active') throw badRequest('campaignId', 'campaignId is not an active campaign', 'unknown_campaign')
  // Compared normalised (httpUrl normalises the input), stored exactly as the campaign registered it.
  const landingUrl = body.landingUrl === undefined ? campaign.landingUrls[0] : campaign.landingUrls.find((u) => normalised(u) === body.landingUrl)
  if (!landingUrl) {
    throw badRequest('landingUrl', `landingUrl must be one of the campaign's landing URLs: ${campaign.landingUrls.join(', ')}`, 'unknown_landing_url')
  }
  return storage.links.create({
    id: newId('lnk'), code: newLinkCode(), campaignId: campaign.id, advertiserId: campaign.advertiserId,
    publisherId, landingUrl, status: 'active',
  })
}

export function linkRoutes(services: Services): Router {
  const { storage, config } = services
  const router = Router()
  router.use('/links', requireRole('publisher'))

  const linkJson = (l: Link): z.output<typeof LinkJson> => ({
    id: l.id, code: l.code, url: `${config.publicUrl}/c/${l.code}`, campaignId: l.campaignId, landingUrl: l.landingUrl,
    status: l.status, createdAt: l.createdAt,
  })

  async function own(publisherId: string, id: string): Promise<Link> {
    const link = await storage.links.get(id)
    if (!link || link.publisherId !== publisherId) throw notFound('link')
    return link
  }

  router.post('/links', requireJson, async (req, res) => {
    const link = await createLink(storage, accountOf(req).id, req.body)
    res.status(201).json({ link: linkJson(link), note: subIdNote })
  })

  router.get('/links', async (req, res) => {
    res.json({ links: (await storage.links.listByPublisher(accountOf(req).id)).map(linkJson), note: subIdNote })
  })

  router.get('/links/:id', async (req, res) => {
    res.json({ link: linkJson(await own(accountOf(req).id, pathId(req, 'id', 'link'))), note: subIdNote })
  })

  router.patch('/links/:id', requireJson, async (req, res) => {
    const current = await own(accountOf(req).id, pathId(req, 'id', 'link'))
    const body = parse(linkPatch, req.body)
    const link = await storage.links.setStatus(current.id, body.status)
    services.cache.links.delete(current.code)
    if (!link) throw notFound('link')
    res.json({ link: linkJson(link) })
  })

  return router
}
