// Attribution: which publisher's click earns a conversion. The click id the request carries (first-party
// cookie via the tracker, a form field, a postback) comes first; else the network's signed cookie for this
// advertiser; else the conversion is stored unattributed with the reason.
import type { Campaign, Click, Storage } from '../storage/types.js'
import type { TtlCache } from './cache.js'
import type { ClickMap } from './networkCookie.js'

export type AttributionReason = 'attributed' | 'no_click' | 'unknown_click' | 'foreign_click' | 'bot_click' | 'expired_window' | 'paused_campaign'

export interface Attribution {
  reason: AttributionReason
  click: Click | null
  campaign: Campaign | null
}

export interface AttributionDeps {
  storage: Storage
  campaigns: TtlCache<Campaign | null>
}

export async function attribute(
  deps: AttributionDeps,
  input: { advertiserId: string; clickId: string | null; cookieClicks: ClickMap; at: Date },
): Promise<Attribution> {
  const candidates = [input.clickId, input.cookieClicks[input.advertiserId]?.[0]].filter((id): id is string => !!id)
  if (candidates.length === 0) return { reason: 'no_click', click: null, campaign: null }
  let first: Attribution | null = null
  for (const clickId of new Set(candidates)) {
    const result = await judge(deps, clickId, input.advertiserId, input.at)
    if (result.reason === 'attributed') return result
    first ??= result
  }
  return first as Attribution
}

async function judge(deps: AttributionDeps, clickId: string, advertiserId: string, at: Date): Promise<Attribution> {
  const click = await deps.storage.clicks.get(clickId)
  if (!click) return { reason: 'unknown_click', click: null, campaign: null }
  // A click on another advertiser's link can never earn this advertiser's commission.
  if (click.advertiserId !== advertiserId) return { reason: 'foreign_click', click: null, campaign: null }
  const campaign = await deps.campaigns.get(click.campaignId, (id) => deps.storage.campaigns.get(id))
  if (!campaign) return { reason: 'unknown_click', click: null, campaign: null }
  if (click.bot) return { reason: 'bot_click', click, campaign }
  if (at.getTime() - click.createdAt.getTime() > campaign.cookieWindowDays * 86_400_000) {
    return { reason: 'expired_window', click, campaign }
  }
  return { reason: 'attributed', click, campaign }
}
