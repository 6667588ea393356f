// Conversion tracking codes (seed 002), for advertisers: one or more per campaign, each with its method,
// redirection URL, postback secret and ready-to-paste snippets.
import { Router } from 'express'
import { z } from 'zod'
import { badRequest, notFound } from '../errors.js'
import { newId, newSecret, newTrackingCode } from '../ids.js'
import type { Services } from '../services.js'
import type { Campaign, TrackingCode, TrackingCodePatch } from '../storage/types.js'
import { accountOf, requireRole } from './auth.js'
import { requireJson } from './json.js'
import type { TrackingCode as TrackingCodeJson } from './schemas.js'
import { trackingSnippets } from './snippets.js'
import { httpUrl, idString, name, parse, pathId } from './validate.js'

const method = z.enum(['GET', 'POST'])
export const newCodeBody = z.strictObject({ campaignId: idString, name: name(), method: method.default('GET'), redirectUrl: httpUrl.nullable().optional() })
export const codePatch = z.strictObject({
  name: name().optional(), method: method.optional(), redirectUrl: httpUrl.nullable().optional(),
  status: z.enum(['active', 'paused']).optional(), rotateSecret: z.literal(true).optional(),
})

const needsRedirect = () => badRequest('redirectUrl', 'redirectUrl (the thank-you page the form redirects to) is required for the POST method')

/** The ready-to-paste snippets of a tracking code (its campaign gives the currency, cookie window and model). */
export function snippetsFor(publicUrl: string, t: TrackingCode, campaign: Campaign | undefined) {
  return trackingSnippets({
    publicUrl, code: t.code, postbackSecret: t.postbackSecret, campaignId: t.campaignId,
    currency: campaign?.currency ?? 'EUR', cookieWindowDays: campaign?.cookieWindowDays ?? 30, attribution: campaign?.attribution ?? 'last_click',
  })
}

/** Creates a tracking code for one of the advertiser's campaigns from an API-shaped body (validated here). */
export async function createTrackingCode(services: Services, advertiserId: string, input: unknown): Promise<{ code: TrackingCode; campaign: Campaign }> {
  const body = parse(newCodeBody, input)
  const campaign = await services.storage.campaigns.get(body.campaignId)
  if (!campaign || campaign.advertiserId !== advertiserId) throw badRequest('campaignId', 'campaignId is not one of your campaigns', 'unknown_campaign')
  if (body.method === 'POST' && !body.redirectUrl) throw needsRedirect()
  const code = await services.storage.trackingCodes.create({
    id: newId('tc'), code: newTrackingCode(), advertiserId, campaignId: campaign.id, name: body.name, method: body.method,
    redirectUrl: body.redirectUrl ?? null, postbackSecret: newSecret(), status: 'active',
  })
  return { code, campaign }
}

/** Applies an API-shaped patch (validated here; `rotateSecret: true` makes a new postback secret) to the advertiser's own code. */
export async function updateTrackingCode(services: Services, current: TrackingCode, input: unknown): Promise<TrackingCode> {
  const { rotateSecret, ...body } = parse(codePatch, input)
  if (Object.keys(body).length === 0 && !rotateSecret) throw badRequest('body', 'send at least one of name, method, redirectUrl, status, rotateSecret')
  const redirectUrl = body.redirectUrl === undefined ? current.redirectUrl : body.redirectUrl
  if ((body.method ?? current.method) === 'POST' && !redirectUrl) throw needsRedirect()
  const patch: TrackingCodePatch = { ...body, ...(rotateSecret && { postbackSecret: newSecret() }) }
  const code = await services.storage.trackingCodes.update(current.id, patch)
  services.cache.trackingCodes.delete(current.code)
  if (!code) throw notFound('tracking code')
  return code
}

export function trackingCodeRoutes(services: Services): Router {
  const { storage, config } = services
  const router = Router()
  router.use('/tracking-codes', requireRole('advertiser'))

  const codeJson = (t: TrackingCode, campaign: Campaign | undefined): z.output<typeof TrackingCodeJson> => ({
    id: t.id, code: t.code, campaignId: t.campaignId, name: t.name, method: t.method, redirectUrl: t.redirectUrl,
    postbackSecret: t.postbackSecret, status: t.status, createdAt: t.createdAt,
    snippets: snippetsFor(config.publicUrl, t, campaign),
  })

  async function own(advertiserId: string, id: string): Promise<TrackingCode> {
    const code = await storage.trackingCodes.get(id)
    if (!code || code.advertiserId !== advertiserId) throw notFound('tracking code')
    return code
  }

  router.post('/tracking-codes', requireJson, async (req, res) => {
    const { code, campaign } = await createTrackingCode(services, accountOf(req).id, req.body)
    res.status(201).json({ trackingCode: codeJson(code, campaign) })
  })

  router.get('/tracking-codes', async (req, res) => {
    const advertiserId = accountOf(req).id
    const [codes, campaigns] = await Promise.all([storage.trackingCodes.listByAdvertiser(advertiserId), storage.campaigns.listByAdvertiser(advertiserId)])
    const byId = new Map(campaigns.map((c) => [c.id, c]))
    res.json({ trackingCodes: codes.map((t) => codeJson(t, byId.get(t.campaignId))) })
  })

  router.get('/tracking-codes/:id', async (req, res) => {
    const code = await own(accountOf(req).id, pathId(req, 'id', 'tracking code'))
    res.json({ trackingCode: codeJson(code, (await storage.campaigns.get(code.campaignId)) ?? undefined) })
  })

  router.patch('/tracking-codes/:id', requireJson, async (req, res) => {
    const code = await updateTrackingCode(services, await own(accountOf(req).id, pathId(req, 'id', 'tracking code')), req.body)
    res.json({ trackingCode: codeJson(code, (await storage.campaigns.get(code.campaignId)) ?? undefined) })
  })

  return router
}
