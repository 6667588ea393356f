// F1: a tracked-link click. Record it (durably, before answering), set the network cookie, and send the
// visitor to a landing URL registered on the campaign with the click id appended.
import type { Config } from '../config.js'
import type { Campaign, Click, Link, Storage } from '../storage/types.js'
import { Batcher } from './batch.js'
import type { TtlCache } from '../cache.js'
import { handshakeUrl } from './firstParty.js'
import { clickCookie, secureCookies, withClick, type ClickMap } from './networkCookie.js'
import type { RequestLog } from './requestLog.js'
import { isBot } from './visitor.js'

const clickIdParam = 'nclid'

export interface ClickInput {
  code: string
  query: URLSearchParams
  /** Keyed hashes of the visitor (see visitor.ts): the address itself is never kept, not even in the spool. */
  ipHash: string
  visitorKey: string
  userAgent: string
  referrer: string | null
  cookieClicks: ClickMap
  /** Fixed when the hit is captured, so that a replay from the spool stores the same click and log entry once. */
  id: string
  at: Date
  logId: string
}

/** Where a code leads: its link and campaign, or why it leads nowhere. */
export type ClickTarget =
  | { found: true; link: Link; campaign: Campaign }
  | { found: false; reason: 'unknown_code' | 'paused_link' | 'paused_campaign'; link: Link | null }

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
  const secure = secureCookies(config)
  // The store checks earlier clicks as it inserts a batch; clicks within one batch are checked here.
  const batcher = new Batcher<Click>((clicks) => storage.clicks.insertMany(clicks, { duplicateWindowMs: windowMs }))
  const recent = new Map<string, { at: number; id: string }>()

  /** A replayed click is not a duplicate of its own first attempt. */
  function seenLately(linkId: string, visitor: string, now: number, id: string): boolean {
    if (windowMs === 0) return false
    const key = `${linkId}:${visitor}`
    const seen = recent.get(key)
    recent.delete(key)
    recent.set(key, { at: now, id })
    if (recent.size > 100_000) recent.delete(recent.keys().next().value as string)
    return seen !== undefined && seen.id !== id && now - seen.at >= 0 && now - seen.at < windowMs
  }

  /** The link and campaign of a code, from the cache (a stale entry when the store cannot be reached). */
  async function resolve(code: string): Promise<ClickTarget> {
    const link = await deps.links.get(code, (c) => storage.links.getByCode(c))
    const campaign = link && (await deps.campaigns.get(link.campaignId, (id) => storage.campaigns.get(id)))
    if (!link || !campaign) return { found: false, reason: 'unknown_code', link }
    if (link.status !== 'active') return { found: false, reason: 'paused_link', link }
    if (campaign.status !== 'active') return { found: false, reason: 'paused_campaign', link }
    return { found: true, link, campaign }
  }

  /** The target from the cache alone, stale entries included (the store is down); undefined when not known. */
  function peek(code: string): ClickTarget | undefined {
    const link = deps.links.peek(code)
    if (!link) return undefined
    if (!link.value) return { found: false, reason: 'unknown_code', link: null }
    const campaign = deps.campaigns.peek(link.value.campaignId)
    if (!campaign) return undefined
    if (!campaign.value) return { found: false, reason: 'unknown_code', link: link.value }
    if (link.value.status !== 'active') return { found: false, reason: 'paused_link', link: link.value }
    if (campaign.value.status !== 'active') return { found: false, reason: 'paused_campaign', link: link.value }
    return { found: true, link: link.value, campaign: campaign.value }
  }

  /** The click a hit makes on a live target: a pure function of the hit, so that a replay makes the same one. */
  function build(input: ClickInput, link: Link, campaign: Campaign): Click {
    // Only URLs registered on the campaign are ever redirected to: no open redirect.
    const landingUrl = campaign.landingUrls.includes(link.landingUrl) ? link.landingUrl : (campaign.landingUrls[0] as string)
    return {
      id: input.id,
      linkId: link.id,
      campaignId: campaign.id,
      advertiserId: link.advertiserId,
      publisherId: link.publisherId,
      createdAt: input.at,
      subIds: [1, 2, 3, 4, 5].map((n) => input.query.get(`sub${n}`)?.slice(0, 100) || null),
      userAgent: input.userAgent.slice(0, 300) || null,
      referrer: input.referrer?.slice(0, 500) || null,
      ipHash: input.ipHash,
      visitorKey: input.visitorKey,
      bot: isBot(input.userAgent),
      duplicate: false,
      landingUrl,
    }
  }

  /** What the visitor gets: the redirect with the click id, and the network cookie. Needs no store. */
  function answer(input: ClickInput, target: ClickTarget): ClickResult {
    if (!target.found) return { found: false, reason: target.reason }
    const click = build(input, target.link, target.campaign)
    const landing = new URL(click.landingUrl)
    landing.searchParams.set(clickIdParam, click.id)
    const campaign = target.campaign
    const clickedAt = Math.floor(input.at.getTime() / 1000)
    // First-party mode: through the shop's own proxy path, which sets the cookie on the shop's domain.
    const location = campaign.firstPartyPath
      ? handshakeUrl(config.cookieSecret, campaign.firstPartyPath, {
          clickId: click.id, advertiserId: click.advertiserId, clickedAt, expiresAt: clickedAt + campaign.cookieWindowDays * 86_400,
          firstClick: campaign.attribution === 'first_click', location: landing.href,
        })
      : landing.href
    return { found: true, location, click, setCookie: cookieFor(input.cookieClicks, click, campaign, input.at.getTime()) }
  }

  /** Stores the click (or the refusal) and its request-log entry; idempotent by the hit's ids. */
  async function record(input: ClickInput, target: ClickTarget): Promise<ClickResult> {
    const logBase = {
      kind: 'click' as const, ipHash: input.ipHash, userAgent: input.userAgent, id: input.logId, at: input.at,
      params: { code: input.code, ...Object.fromEntries(input.query) },
    }
    if (!target.found) {
      await deps.requestLog.record({ ...logBase, outcome: 'rejected', reason: target.reason, advertiserId: target.link?.advertiserId, linkId: target.link?.id })
      return answer(input, target)
    }
    const result = answer(input, target)
    if (!result.found) return result
    const click = { ...result.click, duplicate: seenLately(target.link.id, input.visitorKey, input.at.getTime(), input.id) }
    await Promise.all([
      batcher.add(click),
      deps.requestLog.record({
        ...logBase, outcome: 'accepted', reason: click.bot ? 'bot' : 'recorded',
        advertiserId: click.advertiserId, linkId: click.linkId, clickId: click.id,
      }),
    ])
    if (deps.onClick) await deps.onClick(click, target.campaign)
    return { ...result, click }
  }

  /**
   * Last click replaces the advertiser's entry; first click keeps a live earlier one. Each entry expires with its
   * own campaign's window.
   */
  function cookieFor(clicks: ClickMap, click: Click, campaign: Campaign, now: number): string {
    const seconds = Math.floor(now / 1000)
    const next = withClick(clicks, click.advertiserId, [click.id, seconds, seconds + campaign.cookieWindowDays * 86_400], campaign.attribution === 'first_click', seconds)
    return clickCookie(next, config.cookieSecret, secure, seconds)
  }

  return { resolve, peek, answer, record, drain: () => batcher.drain() }
}

export type ClickRecorder = ReturnType<typeof createClickRecorder>
