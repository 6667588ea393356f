// F1: a tracked-link click. Record it (durably, before answering), set the network cookie, and send the
// visitor to a landing URL registered on the campaign with the click id appended.
import type { Config } from '../config.js'
import { newClickId } from '../ids.js'
import type { Campaign, Click, Link, Storage } from '../storage/types.js'
import { Batcher } from './batch.js'
import type { TtlCache } from './cache.js'
import { clickCookie, type ClickMap } from './networkCookie.js'
import type { RequestLog } from './requestLog.js'
import { hashIp, isBot, visitorKey } from './visitor.js'

export const clickIdParam = 'nclid'

export interface ClickInput {
  code: string
  query: URLSearchParams
  ip: string
  userAgent: string
  referrer: string | null
  cookieClicks: ClickMap
}

export type ClickResult =
  | { found: true; location: string; click: Click; setCookie: string }
  | { found: false; reason: 'unknown_code' | 'paused_link' | 'paused_campaign' }

export interface ClickDeps {
  config: Config
  storage: Storage
  requestLog: RequestLog
  links: TtlCache<Link | null>
  campaigns: TtlCache<Campaign | null>
  /** Runs after a click is stored, before the visitor is redirected (e.g. an offer-email lead). */
  onClick?(click: Click, campaign: Campaign): Promise<unknown>
}

export function createClickRecorder(deps: ClickDeps) {
  const { config, storage } = deps
  const windowMs = config.DUPLICATE_CLICK_WINDOW_SECONDS * 1000
  // The store checks earlier clicks as it inserts a batch; clicks within one batch are checked here.
  const batcher = new Batcher<Click>((clicks) => storage.clicks.insertMany(clicks, { duplicateWindowMs: windowMs }))
  const recent = new Map<string, number>()

  function seenLately(linkId: string, visitor: string, now: number): boolean {
    if (windowMs === 0) return false
    const key = `${linkId}:${visitor}`
    const seen = recent.get(key)
    recent.delete(key)
    recent.set(key, now)
    if (recent.size > 100_000) recent.delete(recent.keys().next().value as string)
    return seen !== undefined && now - seen < windowMs
  }

  async function record(input: ClickInput): Promise<ClickResult> {
    const ipHash = hashIp(config.cookieSecret, input.ip)
    const logBase = { kind: 'click' as const, ipHash, userAgent: input.userAgent, params: { code: input.code, ...Object.fromEntries(input.query) } }
    const link = await deps.links.get(input.code, (code) => storage.links.getByCode(code))
    const campaign = link && (await deps.campaigns.get(link.campaignId, (id) => storage.campaigns.get(id)))
    const refusal = !link || !campaign ? 'unknown_code' : link.status !== 'active' ? 'paused_link' : campaign.status !== 'active' ? 'paused_campaign' : null
    if (refusal || !link || !campaign) {
      await deps.requestLog.record({ ...logBase, outcome: 'rejected', reason: refusal ?? 'unknown_code', advertiserId: link?.advertiserId, linkId: link?.id })
      return { found: false, reason: refusal ?? 'unknown_code' }
    }
    const now = Date.now()
    const visitor = visitorKey(config.cookieSecret, input.ip, input.userAgent)
    // Only URLs registered on the campaign are ever redirected to: no open redirect.
    const landingUrl = campaign.landingUrls.includes(link.landingUrl) ? link.landingUrl : (campaign.landingUrls[0] as string)
    const click: Click = {
      id: newClickId(),
      linkId: link.id,
      campaignId: campaign.id,
      advertiserId: link.advertiserId,
      publisherId: link.publisherId,
      createdAt: new Date(now),
      subIds: [1, 2, 3, 4, 5].map((n) => input.query.get(`sub${n}`)?.slice(0, 100) || null),
      userAgent: input.userAgent.slice(0, 300) || null,
      referrer: input.referrer?.slice(0, 500) || null,
      ipHash,
      visitorKey: visitor,
      bot: isBot(input.userAgent),
      duplicate: seenLately(link.id, visitor, now),
      landingUrl,
    }
    await Promise.all([
      batcher.add(click),
      deps.requestLog.record({
        ...logBase, outcome: 'accepted', reason: click.bot ? 'bot' : 'recorded',
        advertiserId: link.advertiserId, linkId: link.id, clickId: click.id,
      }),
    ])
    if (deps.onClick) await deps.onClick(click, campaign)
    const location = new URL(landingUrl)
    location.searchParams.set(clickIdParam, click.id)
    return { found: true, location: location.href, click, setCookie: cookieFor(input.cookieClicks, click, campaign, now) }
  }

  /** Last click replaces the advertiser's entry; first click keeps a live earlier one. */
  function cookieFor(clicks: ClickMap, click: Click, campaign: Campaign, now: number): string {
    const windowSeconds = campaign.cookieWindowDays * 86_400
    const earlier = clicks[click.advertiserId]
    const keepEarlier = campaign.attribution === 'first_click' && earlier && now / 1000 - earlier[1] < windowSeconds
    const next: ClickMap = { ...clicks }
    if (!keepEarlier) next[click.advertiserId] = [click.id, Math.floor(now / 1000)]
    return clickCookie(next, config.cookieSecret, windowSeconds, config.NODE_ENV === 'production')
  }

  return { record, drain: () => batcher.drain() }
}

export type ClickRecorder = ReturnType<typeof createClickRecorder>
