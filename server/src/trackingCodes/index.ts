// Conversion tracking codes (seed 002), for advertisers: one or more per campaign, each with its method,
// redirection URL, postback secret and ready-to-paste snippets.
import { z } from 'zod'
import { owned, ownedInput } from '../accounts/ownership.js'
import { badRequest, notFound } from '../errors.js'
import { newId, newSecret, newTrackingCode } from '../ids.js'
import type { Campaign, Storage, TrackingCode, TrackingCodePatch } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import { httpUrl, idString, name, parse } from '../validation.js'
import { trackingSnippets } from './snippets.js'

const method = z.enum(['GET', 'POST'])
export const newCodeBody = z.strictObject({ campaignId: idString, name: name(), method: method.default('GET'), redirectUrl: httpUrl.nullable().optional() })
export const codePatch = z.strictObject({
  name: name().optional(), method: method.optional(), redirectUrl: httpUrl.nullable().optional(),
  status: z.enum(['active', 'paused']).optional(), rotateSecret: z.literal(true).optional(),
})

const needsRedirect = () => badRequest('redirectUrl', 'redirectUrl (the thank-you page the form redirects to) is required for the POST method')

/** The ready-to-paste snippets of a tracking code for `origin` (the network, or a shop's first-party path). */
export function snippetsFor(origin: string, t: TrackingCode, campaign: Campaign | undefined) {
  return trackingSnippets({
    publicUrl: origin, code: t.code, postbackSecret: t.postbackSecret, campaignId: t.campaignId,
    currency: campaign?.currency ?? 'EUR', cookieWindowDays: campaign?.cookieWindowDays ?? 30, attribution: campaign?.attribution ?? 'last_click',
  })
}

export interface TrackingCodeDeps {
  storage: Storage
  /** The hot paths' tracking-code cache (by code): a change made here clears its entry. */
  cache: TtlCache<TrackingCode | null>
}

/** A tracking code with its campaign (which gives the snippets their currency, cookie window and model). */
export interface CodeWithCampaign {
  code: TrackingCode
  campaign: Campaign | undefined
}

export function createTrackingCodes({ storage, cache }: TrackingCodeDeps) {
  /** The advertiser's own tracking code; anyone else's is as missing as one that does not exist. */
  async function own(advertiserId: string, id: string): Promise<TrackingCode> {
    return owned(await storage.trackingCodes.get(id), advertiserId, 'tracking code')
  }

  const withCampaign = async (code: TrackingCode): Promise<CodeWithCampaign> => ({ code, campaign: (await storage.campaigns.get(code.campaignId)) ?? undefined })

  /** Creates a tracking code for one of the advertiser's campaigns from an API-shaped body. */
  async function create(advertiserId: string, input: unknown): Promise<CodeWithCampaign> {
    const body = parse(newCodeBody, input)
    const campaign = ownedInput(await storage.campaigns.get(body.campaignId), advertiserId, 'campaignId', 'campaigns', 'unknown_campaign')
    if (body.method === 'POST' && !body.redirectUrl) throw needsRedirect()
    const code = await storage.trackingCodes.create({
      id: newId('tc'), code: newTrackingCode(), advertiserId, campaignId: campaign.id, name: body.name, method: body.method,
      redirectUrl: body.redirectUrl ?? null, postbackSecret: newSecret(), status: 'active',
    })
    return { code, campaign }
  }

  /** Applies an API-shaped patch (`rotateSecret: true` makes a new postback secret) to the advertiser's own code. */
  async function update(advertiserId: string, id: string, input: unknown): Promise<CodeWithCampaign> {
    const current = await own(advertiserId, id)
    const { rotateSecret, ...body } = parse(codePatch, input)
    if (Object.keys(body).length === 0 && !rotateSecret) throw badRequest('body', 'send at least one of name, method, redirectUrl, status, rotateSecret')
    const redirectUrl = body.redirectUrl === undefined ? current.redirectUrl : body.redirectUrl
    if ((body.method ?? current.method) === 'POST' && !redirectUrl) throw needsRedirect()
    const patch: TrackingCodePatch = { ...body, ...(rotateSecret && { postbackSecret: newSecret() }) }
    const code = await storage.trackingCodes.update(current.id, patch)
    cache.delete(current.code)
    if (!code) throw notFound('tracking code')
    return withCampaign(code)
  }

  /** The advertiser's codes, each with its campaign. */
  async function listOwn(advertiserId: string): Promise<CodeWithCampaign[]> {
    const [codes, campaigns] = await Promise.all([storage.trackingCodes.listByAdvertiser(advertiserId), storage.campaigns.listByAdvertiser(advertiserId)])
    const byId = new Map(campaigns.map((c) => [c.id, c]))
    return codes.map((code) => ({ code, campaign: byId.get(code.campaignId) }))
  }

  return {
    own, create, update, listOwn,
    /** The advertiser's own code with its campaign. */
    get: async (advertiserId: string, id: string) => withCampaign(await own(advertiserId, id)),
  }
}
