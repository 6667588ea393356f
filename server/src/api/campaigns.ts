// Campaigns and their commission rules. An advertiser manages its own; a publisher browses every advertiser's
// active campaigns (public fields only) to promote them. Percentages arrive as decimals ("12.5") and are
// stored as basis points; fixed amounts as minor units of the campaign's currency.
import { Router } from 'express'
import { z } from 'zod'
import { AppError, badRequest, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { parseAmount, parseCurrency } from '../money.js'
import type { Services } from '../services.js'
import type { Account, Campaign, LeadRule, SaleRule } from '../storage/types.js'
import { accountOf, requireRole } from './auth.js'
import { campaignJson, overrideJson, publicCampaignJson, requireJson } from './json.js'
import type { CampaignWithOverrides } from './schemas.js'
import { decimal, httpUrl, longText, name, parse, pathId, side, sideOf } from './validate.js'

const saleRuleInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('percent'), percent: decimal }),
  z.strictObject({ kind: z.literal('fixed'), amount: decimal }),
])
const leadRuleInput = z.strictObject({ kind: z.literal('fixed').optional(), amount: decimal })
type SaleRuleInput = z.output<typeof saleRuleInput>
type LeadRuleInput = z.output<typeof leadRuleInput>

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
export const listQuery = z.object({ as: side })

/** "12.5" → 1250 basis points: at most two decimals, more than 0 and at most 100 %. */
function basisPoints(value: string | number, field: string): number {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(typeof value === 'number' ? String(value) : value.trim())
  const points = match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : Number.NaN
  if (!(points > 0 && points <= 10_000)) throw badRequest(field, `${field} must be a percentage above 0 and at most 100, with up to 2 decimals (e.g. "12.5")`, 'bad_percent')
  return points
}

function positiveAmount(value: string | number, currency: string, field: string): number {
  const amount = parseAmount(value, currency, field)
  if (amount === 0) throw badRequest(field, `${field} must be more than 0 (use null for no commission)`, 'bad_amount')
  return amount
}

function saleRule(input: SaleRuleInput | null, currency: string, field = 'saleRule'): SaleRule | null {
  if (!input) return null
  return input.kind === 'percent'
    ? { kind: 'percent', basisPoints: basisPoints(input.percent, `${field}.percent`) }
    : { kind: 'fixed', amount: positiveAmount(input.amount, currency, `${field}.amount`) }
}

function leadRule(input: LeadRuleInput | null, currency: string, field = 'leadRule'): LeadRule | null {
  return input ? { kind: 'fixed', amount: positiveAmount(input.amount, currency, `${field}.amount`) } : null
}

const isAdvertiserOf = (account: Account, c: Campaign) => c.advertiserId === account.id

/** Creates a campaign for the advertiser from an API-shaped body (validated here); the portal's form uses it too. */
export async function createCampaign(services: Services, advertiser: Account, input: unknown): Promise<Campaign> {
  const body = parse(newCampaignBody, input)
  const currency = parseCurrency(body.currency)
  const rules = { saleRule: saleRule(body.saleRule, currency), leadRule: leadRule(body.leadRule, currency) }
  if (!rules.saleRule && !rules.leadRule) throw badRequest('saleRule', 'a campaign needs a saleRule, a leadRule or both')
  return services.storage.campaigns.create({
    ...body, ...rules, id: newId('cmp'), advertiserId: advertiser.id, currency, landingUrls: [...new Set(body.landingUrls)],
  })
}

/** Applies an API-shaped patch (validated here) to the advertiser's own campaign `current`. */
export async function updateCampaign(services: Services, current: Campaign, input: unknown): Promise<Campaign> {
  const { storage } = services
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
  services.cache.campaigns.delete(current.id)
  if (!campaign) throw notFound('campaign')
  return campaign
}

export function campaignRoutes(services: Services): Router {
  const { storage } = services
  const router = Router()

  /** The caller's own campaign; anyone else's is as missing as a campaign that does not exist. */
  async function own(account: Account, id: string): Promise<Campaign> {
    const campaign = await storage.campaigns.get(id)
    if (!campaign || !isAdvertiserOf(account, campaign)) throw notFound('campaign')
    return campaign
  }

  router.post('/campaigns', requireRole('advertiser'), requireJson, async (req, res) => {
    const campaign = await createCampaign(services, accountOf(req), req.body)
    res.status(201).json({ campaign: campaignJson(campaign) })
  })

  router.get('/campaigns', async (req, res) => {
    const account = accountOf(req)
    if (sideOf(account.roles, parse(listQuery, req.query).as) === 'advertiser') {
      res.json({ campaigns: (await storage.campaigns.listByAdvertiser(account.id)).map(campaignJson) })
    } else {
      res.json({ campaigns: (await storage.campaigns.listActive()).map(publicCampaignJson) })
    }
  })

  router.get('/campaigns/:id', async (req, res) => {
    const account = accountOf(req)
    const campaign = await storage.campaigns.get(pathId(req, 'id', 'campaign'))
    if (campaign && isAdvertiserOf(account, campaign)) {
      const overrides = await storage.commissionOverrides.listByCampaign(campaign.id)
      const detail: z.output<typeof CampaignWithOverrides> = { ...campaignJson(campaign), overrides: overrides.map((o) => overrideJson(o, campaign.currency)) }
      res.json({ campaign: detail })
      return
    }
    // A publisher sees an active campaign's public face; everything else is not found.
    const publisher = account.roles.includes('publisher') || account.roles.includes('admin')
    if (!campaign || campaign.status !== 'active' || !publisher) throw notFound('campaign')
    res.json({ campaign: publicCampaignJson(campaign) })
  })

  router.patch('/campaigns/:id', requireRole('advertiser'), requireJson, async (req, res) => {
    const campaign = await updateCampaign(services, await own(accountOf(req), pathId(req, 'id', 'campaign')), req.body)
    res.json({ campaign: campaignJson(campaign) })
  })

  router.get('/campaigns/:id/overrides', requireRole('advertiser'), async (req, res) => {
    const campaign = await own(accountOf(req), pathId(req, 'id', 'campaign'))
    const overrides = await storage.commissionOverrides.listByCampaign(campaign.id)
    res.json({ overrides: overrides.map((o) => overrideJson(o, campaign.currency)) })
  })

  router.put('/campaigns/:id/overrides/:publisherId', requireRole('advertiser'), requireJson, async (req, res) => {
    const campaign = await own(accountOf(req), pathId(req, 'id', 'campaign'))
    const publisher = await storage.accounts.get(pathId(req, 'publisherId', 'publisher'))
    if (!publisher || !publisher.roles.includes('publisher')) throw notFound('publisher')
    const body = parse(overrideBody, req.body)
    const rules = { saleRule: saleRule(body.saleRule, campaign.currency), leadRule: leadRule(body.leadRule, campaign.currency) }
    if (!rules.saleRule && !rules.leadRule) throw badRequest('saleRule', 'an override needs a saleRule, a leadRule or both')
    const override = await storage.commissionOverrides.put({ campaignId: campaign.id, publisherId: publisher.id, ...rules })
    res.json({ override: overrideJson(override, campaign.currency) })
  })

  router.delete('/campaigns/:id/overrides/:publisherId', requireRole('advertiser'), async (req, res) => {
    const campaign = await own(accountOf(req), pathId(req, 'id', 'campaign'))
    if (!(await storage.commissionOverrides.remove(campaign.id, pathId(req, 'publisherId', 'override')))) throw notFound('override')
    res.status(204).end()
  })

  return router
}
