// Attribution: which publisher's click earns a conversion. The candidates are the click ids the request carries
// (the tracker's first-party cookies — the latest id and the first — a form field, a postback) and the
// network's signed cookie entry (on its own domain, or on the shop's through the first-party proxy) for
// this advertiser; of those that are attributable, the campaign's model (first or last click) picks one, so
// the page cannot decide it. With none, the conversion is stored unattributed with the reason.
import type { Campaign, Click, Storage } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import type { ClickMap } from './networkCookie.js'

export type AttributionReason = 'attributed' | 'no_click' | 'unknown_click' | 'foreign_click' | 'bot_click' | 'expired_window'

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
  input: { advertiserId: string; clickId: string | null; firstClickId?: string | null; cookieClicks: ClickMap; at: Date },
): Promise<Attribution> {
  const candidates = [...new Set([input.clickId, input.firstClickId, input.cookieClicks[input.advertiserId]?.[0]].filter((id): id is string => !!id))]
  if (candidates.length === 0) return { reason: 'no_click', click: null, campaign: null }
  const judged = await Promise.all(candidates.map((clickId) => judge(deps, clickId, input.advertiserId, input.at)))
  // In time order; clicks of the same instant put the request's own id last (it is the newer evidence).
  const good = judged.map((a, i) => ({ a, i })).filter(({ a }) => a.reason === 'attributed')
    .sort((x, y) => (x.a.click as Click).createdAt.getTime() - (y.a.click as Click).createdAt.getTime() || y.i - x.i)
    .map(({ a }) => a)
  // None attributable: the reason of the request's own click id first.
  if (good.length === 0) return judged[0] as Attribution
  // Several: the campaign's model decides — on the network, from the clicks it issued — not which id the page
  // happened to send. The latest click's campaign says whether the first or the latest click earns.
  const latest = good.at(-1) as Attribution
  // An attributed result always has its campaign (judge below).
  return (latest.campaign as Campaign).attribution === 'first_click' ? (good[0] as Attribution) : latest
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
