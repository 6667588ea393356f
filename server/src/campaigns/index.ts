// Campaigns and their commission rules, for the API and the portal alike. An advertiser manages its own; a
// publisher browses every advertiser's active campaigns to promote them. Percentages arrive as decimals ("12.5")
// and are stored as basis points; fixed amounts as minor units of the campaign's currency.
import { z } from 'zod'
import { isOwner, owned } from '../accounts/ownership.js'
import { AppError, badRequest, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { parseCurrency } from '../money.js'
import type { Account, Campaign, CommissionOverride, Storage } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import { httpUrl, longText, name, parse } from '../validation.js'
import { leadRule, leadRuleInput, saleRule, saleRuleInput } from './rules.js'

const campaignFields = {
  name: name(),
  description: longText(),
  currency: z.string().max(10),
  landingUrls: z.array(httpUrl).min(1).max(20),
  cookieWindowDays: z.number().int().min(1).max(365),
  holdDays: z.number().int().min(0).max(365),
  attribution: z.enum(['last_click', 'first_click']),
  saleRule: saleRuleInput.nullable(),
  leadRule: leadRuleInput.nullable(),
  status: z.enum(['active', 'paused']),
  // A path of the landing site proxied to the network: `/_nw`, never a full URL (the landing URL gives the host).
  firstPartyPath: z.string().max(40).regex(/^\/[\w.~-]+(\/[\w.~-]+)*$/, 'must be a path such as /_nw (no trailing slash)').nullable(),
}
export const newCampaignBody = z.strictObject({
  ...campaignFields,
  description: campaignFields.description.default(''),
  cookieWindowDays: campaignFields.cookieWindowDays.default(30),
  holdDays: campaignFields.holdDays.default(30),
  attribution: campaignFields.attribution.default('last_click'),
  saleRule: campaignFields.saleRule.default(null),
  leadRule: campaignFields.leadRule.default(null),
  status: campaignFields.status.default('active'),
  firstPartyPath: campaignFields.firstPartyPath.default(null),
})
export const campaignPatch = z.strictObject(campaignFields).partial()
export const overrideBody = z.strictObject({ saleRule: saleRuleInput.nullable().default(null), leadRule: leadRuleInput.nullable().default(null) })

export interface CampaignDeps {
  storage: Storage
  /** The hot paths' campaign cache: a change made here clears its entry. */
  cache: TtlCache<Campaign | null>
}

/** What an account may see of a campaign: all of it (its advertiser, with the overrides) or its public face. */
export type CampaignView = { own: true; campaign: Campaign; overrides: CommissionOverride[] } | { own: false; campaign: Campaign }

export function createCampaigns({ storage, cache }: CampaignDeps) {
  /** The advertiser's own campaign; anyone else's is as missing as a campaign that does not exist. */
  async function own(advertiserId: string, id: string): Promise<Campaign> {
    return owned(await storage.campaigns.get(id), advertiserId, 'campaign')
  }

  /** Creates a campaign for the advertiser from an API-shaped body (the portal's form is turned into one). */
  async function create(advertiser: Account, input: unknown): Promise<Campaign> {
    const body = parse(newCampaignBody, input)
    const currency = parseCurrency(body.currency)
    const rules = { saleRule: saleRule(body.saleRule, currency), leadRule: leadRule(body.leadRule, currency) }
    if (!rules.saleRule && !rules.leadRule) throw badRequest('saleRule', 'a campaign needs a saleRule, a leadRule or both')
    return storage.campaigns.create({
      ...body, ...rules, id: newId('cmp'), advertiserId: advertiser.id, currency, landingUrls: [...new Set(body.landingUrls)],
    })
  }

  /** Applies an API-shaped patch to the advertiser's own campaign. */
  async function update(advertiserId: string, id: string, input: unknown): Promise<Campaign> {
    const current = await own(advertiserId, id)
    const body = parse(campaignPatch, input)
    if (Object.keys(body).length === 0) throw badRequest('body', 'send at least one field to change')
    const currency = body.currency === undefined ? current.currency : parseCurrency(body.currency)
    if (currency !== current.currency) {
      // Fixed amounts are minor units of the old currency: they must be restated, never silently reinterpreted.
      const kept = (body.saleRule === undefined && current.saleRule?.kind === 'fixed') || (body.leadRule === undefined && current.leadRule)
      if (kept) throw badRequest('currency', 'changing the currency needs saleRule and leadRule restated in the new currency')
      const overrides = await storage.commissionOverrides.listByCampaign(current.id)
      if (overrides.some((o) => o.saleRule?.kind === 'fixed' || o.leadRule)) {
        throw new AppError(409, 'currency_in_use', 'remove the fixed-amount publisher overrides before changing the currency', 'currency')
      }
    }
    const { saleRule: saleInput, leadRule: leadInput, ...rest } = body
    const patch = {
      ...rest,
      currency,
      ...(rest.landingUrls && { landingUrls: [...new Set(rest.landingUrls)] }),
      ...(saleInput !== undefined && { saleRule: saleRule(saleInput, currency) }),
      ...(leadInput !== undefined && { leadRule: leadRule(leadInput, currency) }),
    }
    const saleAfter = patch.saleRule !== undefined ? patch.saleRule : current.saleRule
    const leadAfter = patch.leadRule !== undefined ? patch.leadRule : current.leadRule
    if (!saleAfter && !leadAfter) throw badRequest('saleRule', 'a campaign needs a saleRule, a leadRule or both')
    const campaign = await storage.campaigns.update(current.id, patch)
    cache.delete(current.id)
    if (!campaign) throw notFound('campaign')
    return campaign
  }

  /** A campaign as `account` may see it: its own in full; another advertiser's active one by a publisher (or admin). */
  async function view(account: Account, id: string): Promise<CampaignView> {
    const campaign = await storage.campaigns.get(id)
    if (campaign && isOwner(campaign, account.id)) {
      return { own: true, campaign, overrides: await storage.commissionOverrides.listByCampaign(campaign.id) }
    }
    const promoter = account.roles.includes('publisher') || account.roles.includes('admin')
    if (!campaign || campaign.status !== 'active' || !promoter) throw notFound('campaign')
    return { own: false, campaign }
  }

  async function overrides(advertiserId: string, campaignId: string): Promise<{ campaign: Campaign; overrides: CommissionOverride[] }> {
    const campaign = await own(advertiserId, campaignId)
    return { campaign, overrides: await storage.commissionOverrides.listByCampaign(campaign.id) }
  }

  /** Sets a publisher's own commission rules on the advertiser's campaign. */
  async function putOverride(advertiserId: string, campaignId: string, publisherId: string, input: unknown): Promise<{ campaign: Campaign; override: CommissionOverride }> {
    const campaign = await own(advertiserId, campaignId)
    const publisher = await storage.accounts.get(publisherId)
    if (!publisher || !publisher.roles.includes('publisher')) throw notFound('publisher')
    const body = parse(overrideBody, input)
    const rules = { saleRule: saleRule(body.saleRule, campaign.currency), leadRule: leadRule(body.leadRule, campaign.currency) }
    if (!rules.saleRule && !rules.leadRule) throw badRequest('saleRule', 'an override needs a saleRule, a leadRule or both')
    return { campaign, override: await storage.commissionOverrides.put({ campaignId: campaign.id, publisherId: publisher.id, ...rules }) }
  }

  async function removeOverride(advertiserId: string, campaignId: string, publisherId: string): Promise<void> {
    const campaign = await own(advertiserId, campaignId)
    if (!(await storage.commissionOverrides.remove(campaign.id, publisherId))) throw notFound('override')
  }

  return {
    own, create, update, view, overrides, putOverride, removeOverride,
    /** The advertiser's campaigns, newest first. */
    listOwn: (advertiserId: string) => storage.campaigns.listByAdvertiser(advertiserId),
    /** Every advertiser's active campaigns: what publishers may promote. */
    listActive: () => storage.campaigns.listActive(),
  }
}

export type Campaigns = ReturnType<typeof createCampaigns>
