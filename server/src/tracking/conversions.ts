// F3/F4: one use-case for every way a conversion arrives (script, pixel, form, postback, API): validate,
// attribute, compute the commission, store it once per (advertiser, order id) with its ledger entry, schedule
// its approval, and log the request with its outcome. Invalid input throws an AppError naming the field —
// after the request log has recorded why.
import { isEmailAddress } from '../email.js'
import { AppError, badRequest } from '../errors.js'
import { clickIdPattern, newId } from '../ids.js'
import { parseAmount, parseCurrency } from '../money.js'
import type { Campaign, Conversion, ConversionSource, ConversionType, RequestKind, Storage, TrackingCode } from '../storage/types.js'
import { attribute, type Attribution } from './attribution.js'
import type { TtlCache } from '../cache.js'
import { ownedInput } from '../accounts/ownership.js'
import { commissionFor } from '../conversions/commission.js'
import type { Lifecycle } from '../conversions/lifecycle.js'
import type { ClickMap } from './networkCookie.js'
import type { ConversionParams } from './params.js'
import type { RequestLog } from './requestLog.js'

export interface ConversionRequest {
  source: ConversionSource
  kind: RequestKind
  /** The advertiser, known from the tracking code or the API key. */
  advertiserId: string
  trackingCode: TrackingCode | null
  /** For the API: the campaign an unattributed conversion belongs to. */
  campaignId?: string | null
  params: ConversionParams
  cookieClicks: ClickMap
  /** How this caller names the fields, for error messages (the JSON API says orderId, not id). */
  fields?: Partial<Record<'orderId' | 'clickId' | 'email', string>>
  /** Everything the request carried, for the request log. */
  raw: Record<string, unknown>
  ipHash: string | null
  userAgent: string | null
  /**
   * Fixed by a hit that may be replayed from the spool: its arrival time (attribution windows are measured
   * from it), the id its conversion gets, and the id of its request-log entry — so a replay stores each once.
   */
  at?: Date
  conversionId?: string
  logId?: string
}

export interface ConversionOutcome {
  conversion: Conversion
  created: boolean
  /** A duplicate order that brought the attributable click its stored conversion lacked, and now has. */
  upgraded: boolean
  /**
   * Created: the attribution reason. Otherwise why the hit changed nothing — `duplicate_order`, or, for a hit
   * with better evidence that came too late to count, `duplicate_order_decided` (no longer pending) or
   * `duplicate_order_late` (past the upgrade window) — or `upgraded`.
   */
  reason: string
}

export interface IngestDeps {
  /** How long after an order's first hit a later hit with an attributable click may still upgrade it. */
  upgradeWindowMs: number
  storage: Storage
  requestLog: RequestLog
  lifecycle: Lifecycle
  campaigns: TtlCache<Campaign | null>
}

const orderIdPattern = /^[\x21-\x7e][\x20-\x7e]{0,99}$/

export function createConversionIngest(deps: IngestDeps) {
  const { storage, requestLog } = deps

  return async function ingest(req: ConversionRequest): Promise<ConversionOutcome> {
    const log = {
      kind: req.kind, advertiserId: req.advertiserId, trackingCodeId: req.trackingCode?.id ?? null,
      params: req.raw, ipHash: req.ipHash, userAgent: req.userAgent, id: req.logId, at: req.at,
    }
    try {
      const outcome = await record(req)
      await requestLog.record({
        ...log, outcome: outcome.created || outcome.upgraded ? 'accepted' : 'rejected', reason: outcome.reason,
        conversionId: outcome.conversion.id, clickId: outcome.conversion.clickId,
      })
      return outcome
    } catch (error) {
      if (error instanceof AppError) await requestLog.record({ ...log, outcome: 'rejected', reason: error.code })
      throw error
    }
  }

  async function record(req: ConversionRequest): Promise<ConversionOutcome> {
    const p = req.params
    const f = { orderId: 'id', clickId: 'nclid', email: 'email', ...req.fields }
    const type: ConversionType = p.type === undefined ? 'sale' : p.type === 'sale' || p.type === 'lead' ? p.type : invalidType()
    if (!p.orderId) throw new AppError(400, 'missing_order_id', `${f.orderId} (the order id) is required`, f.orderId)
    if (!orderIdPattern.test(p.orderId)) throw new AppError(400, 'bad_order_id', `${f.orderId} must be 1–100 printable characters`, f.orderId)
    if (p.clickId !== undefined && !clickIdPattern.test(p.clickId)) {
      throw new AppError(400, 'bad_click_id', `${f.clickId} is not a click id issued by this network`, f.clickId)
    }
    const firstField = f.clickId === 'nclid' ? 'nclid1' : 'firstClickId'
    if (p.firstClickId !== undefined && !clickIdPattern.test(p.firstClickId)) {
      throw new AppError(400, 'bad_click_id', `${firstField} is not a click id issued by this network`, firstField)
    }
    if (p.email !== undefined && !isEmailAddress(p.email)) throw badRequest(f.email, `${f.email} must be an email address`, 'bad_email')
    const codeCampaign = req.trackingCode
      ? await deps.campaigns.get(req.trackingCode.campaignId, (id) => storage.campaigns.get(id))
      : req.campaignId
        ? await ownCampaign(req.advertiserId, req.campaignId)
        : null
    const now = req.at ?? new Date()
    const attribution = await attribute({ storage, campaigns: deps.campaigns }, {
      advertiserId: req.advertiserId, clickId: p.clickId ?? null, firstClickId: p.firstClickId ?? null, cookieClicks: req.cookieClicks, at: now,
    })
    // An attributed result always has its click and campaign (attribution.ts, judge).
    const attributed = attribution.reason === 'attributed' ? (attribution as Attributed) : null
    // A bot's or an expired click still says which campaign the sale belongs to; else the tracking code's.
    const campaign = attribution.campaign ?? codeCampaign
    // The pixel of seed 002 carries no currency: the campaign's is meant.
    const currency = p.currency !== undefined || !campaign ? parseCurrency(p.currency) : campaign.currency
    const amount = p.amount === undefined && type === 'lead' ? 0 : parseAmount(p.amount, currency)
    const override = attributed ? await storage.commissionOverrides.get(attributed.click.campaignId, attributed.click.publisherId) : null
    const commission = attributed
      ? commissionFor(type, amount, currency, attributed.campaign, override)
      : { amount: 0, currency, rule: null }
    const conversion = {
      id: req.conversionId ?? newId('cnv'),
      advertiserId: req.advertiserId,
      campaignId: campaign?.id ?? null,
      trackingCodeId: req.trackingCode?.id ?? null,
      publisherId: attributed?.click.publisherId ?? null,
      clickId: attribution.click?.id ?? null,
      type,
      orderId: p.orderId,
      amount,
      currency,
      commission: commission.amount,
      commissionCurrency: commission.currency,
      commissionRule: commission.rule,
      status: 'pending' as const,
      reason: attribution.reason,
      source: req.source,
      refundedAmount: 0,
      reversedCommission: 0,
      customerEmail: p.email?.toLowerCase() ?? null,
      approveAt: new Date(now.getTime() + (campaign?.holdDays ?? 0) * 86_400_000),
    }
    const stored = await storage.conversions.insertIfAbsent(conversion, deps.lifecycle.earned(conversion))
    // A replayed hit whose conversion was stored before the store went away finds its own conversion: it is
    // still this hit's creation, not a duplicate order.
    if (stored.created || stored.conversion.id === conversion.id) {
      await deps.lifecycle.scheduleApproval(stored.conversion)
      return { conversion: stored.conversion, created: true, upgraded: false, reason: attribution.reason }
    }
    return attributed ? upgrade(stored.conversion, attributed, now) : duplicate(stored.conversion, 'duplicate_order')
  }

  /**
   * Upgrade, never lose: an order stored without a publisher (no click, a bot's, an unknown or expired one) gets
   * the attributable click a later hit brings — once, atomically, with its commission, pending ledger entry
   * and approval. An attributed conversion is never moved, and a decided or refunded one is never touched.
   */
  async function upgrade(existing: Conversion, attributed: Attributed, now: Date): Promise<ConversionOutcome> {
    // Decided from what was just read, without a write (the store's upgrade guards the same again, for a race):
    // the duplicates of an attributed order — a pixel after the beacon — are the common case.
    if (existing.publisherId !== null) return duplicate(existing, 'duplicate_order')
    if (existing.status !== 'pending' || existing.refundedAmount > 0) return duplicate(existing, 'duplicate_order_decided')
    const createdAfter = new Date(now.getTime() - deps.upgradeWindowMs)
    if (existing.createdAt < createdAfter) return duplicate(existing, 'duplicate_order_late')
    const { click, campaign } = attributed
    const override = await storage.commissionOverrides.get(click.campaignId, click.publisherId)
    const commission = commissionFor(existing.type, existing.amount, existing.currency, campaign, override)
    const set = {
      publisherId: click.publisherId, clickId: click.id, campaignId: campaign.id, commission: commission.amount,
      commissionCurrency: commission.currency, commissionRule: commission.rule, reason: 'attributed',
      approveAt: new Date(existing.createdAt.getTime() + campaign.holdDays * 86_400_000),
    }
    const upgraded = await storage.conversions.upgrade({ id: existing.id, createdAfter, set, ledger: deps.lifecycle.earned({ ...existing, ...set }) })
    if (!upgraded) {
      // Another hit upgraded it (or it was decided) meanwhile: what is stored now stands.
      // (Conversions are never deleted: the read finds it.)
      const current = (await storage.conversions.get(existing.id)) ?? existing
      return duplicate(current, current.publisherId ? 'duplicate_order' : 'duplicate_order_decided')
    }
    await deps.lifecycle.scheduleApproval(upgraded)
    return { conversion: upgraded, created: false, upgraded: true, reason: 'upgraded' }
  }

  async function ownCampaign(advertiserId: string, campaignId: string): Promise<Campaign> {
    return ownedInput(await deps.campaigns.get(campaignId, (id) => storage.campaigns.get(id)), advertiserId, 'campaignId', 'campaigns', 'unknown_campaign')
  }
}

const duplicate = (conversion: Conversion, reason: string): ConversionOutcome => ({ conversion, created: false, upgraded: false, reason })

type Attributed = Attribution & { click: NonNullable<Attribution['click']>; campaign: NonNullable<Attribution['campaign']> }

function invalidType(): never {
  throw new AppError(400, 'bad_type', "type must be 'sale' or 'lead'", 'type')
}

export type ConversionIngest = ReturnType<typeof createConversionIngest>
