// Tracked links, for publishers: one per campaign and landing URL, shared as `${publicUrl}/c/${code}`.
import { z } from 'zod'
import { owned } from '../accounts/ownership.js'
import { badRequest, notFound } from '../errors.js'
import { newId, newLinkCode } from '../ids.js'
import type { Link, Storage } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import { httpUrl, idString, parse } from '../validation.js'

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

export interface LinkDeps {
  storage: Storage
  /** The click path's link cache (by code): a change made here clears its entry. */
  cache: TtlCache<Link | null>
  publicUrl: string
}

export function createLinks({ storage, cache, publicUrl }: LinkDeps) {
  /** The publisher's own link; anyone else's is as missing as one that does not exist. */
  async function own(publisherId: string, id: string): Promise<Link> {
    return owned(await storage.links.get(id), publisherId, 'link', 'publisherId')
  }

  /** Creates the publisher's link to an active campaign from an API-shaped body. */
  async function create(publisherId: string, input: unknown): Promise<Link> {
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

  async function update(publisherId: string, id: string, input: unknown): Promise<Link> {
    const current = await own(publisherId, id)
    const body = parse(linkPatch, input)
    const link = await storage.links.setStatus(current.id, body.status)
    cache.delete(current.code)
    if (!link) throw notFound('link')
    return link
  }

  return {
    own, create, update,
    listOwn: (publisherId: string) => storage.links.listByPublisher(publisherId),
    /** The address a publisher shares. */
    url: (link: Pick<Link, 'code'>) => `${publicUrl}/c/${link.code}`,
  }
}

export type Links = ReturnType<typeof createLinks>
