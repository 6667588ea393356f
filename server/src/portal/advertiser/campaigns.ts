// The advertiser's campaigns: the list, and the form that creates or edits one (the campaigns use-cases
// validate it, as for the API).
import { Router, type Request } from 'express'
import { badRequest } from '../../errors.js'
import { percentText } from '../../campaigns/rules.js'
import { pathId } from '../../validation.js'
import { formatAmount } from '../../money.js'
import type { Campaign } from '../../storage/types.js'
import { badge } from '../format.js'
import { html } from '../html.js'
import { csrfField, formFields, formPost, input, redirect, select, textarea, userOf, view, type FormState, type PortalContext } from '../kit.js'
import { errorBox, type Page } from '../layout.js'
import { tableHtml, type Table } from '../tables.js'
import { backLink, ruleText } from '../views.js'

/** Form inputs that API field names (first segment) land on. */
const campaignInputs = { saleRule: 'saleValue', leadRule: 'leadAmount' }
/** The campaign form's fields that are never absent from its page (text inputs arrive empty, not missing). */
const campaignFields = ['name', 'currency', 'status', 'attribution', 'landingUrls', 'saleKind'] as const

function wholeDays(values: Record<string, string>, name: string, label: string): number {
  const text = (values[name] ?? '').trim()
  if (!/^\d{1,4}$/.test(text)) throw badRequest(name, `${label} must be a whole number of days`)
  return Number(text)
}

/** The campaign form as the API's campaign body: the same validation and rules apply to both. */
function campaignBody(v: Record<string, string>): Record<string, unknown> {
  const saleValue = (v.saleValue ?? '').trim()
  const leadAmount = (v.leadAmount ?? '').trim()
  if (v.saleKind !== 'none' && v.saleKind !== undefined && !saleValue) throw badRequest('saleValue', 'enter the sale commission, or choose no sale commission')
  return {
    name: v.name ?? '', description: v.description ?? '', currency: v.currency ?? '', status: v.status, attribution: v.attribution,
    landingUrls: (v.landingUrls ?? '').split(/\r?\n/).map((u) => u.trim()).filter(Boolean),
    cookieWindowDays: wholeDays(v, 'cookieWindowDays', 'The cookie window'),
    holdDays: wholeDays(v, 'holdDays', 'The hold period'),
    saleRule: v.saleKind === 'percent' ? { kind: 'percent', percent: saleValue } : v.saleKind === 'fixed' ? { kind: 'fixed', amount: saleValue } : null,
    leadRule: leadAmount ? { amount: leadAmount } : null,
    firstPartyPath: (v.firstPartyPath ?? '').trim() || null,
  }
}

/** A campaign as the form's values. */
function campaignValues(c: Campaign | null): Record<string, string> {
  if (!c) return { currency: 'EUR', cookieWindowDays: '30', holdDays: '30', status: 'active', attribution: 'last_click', saleKind: 'percent', landingUrls: '' }
  return {
    name: c.name, description: c.description, currency: c.currency, status: c.status, attribution: c.attribution,
    landingUrls: c.landingUrls.join('\n'), cookieWindowDays: String(c.cookieWindowDays), holdDays: String(c.holdDays),
    saleKind: c.saleRule?.kind ?? 'none',
    saleValue: !c.saleRule ? '' : c.saleRule.kind === 'percent' ? percentText(c.saleRule.basisPoints) : formatAmount(c.saleRule.amount, c.currency),
    leadAmount: c.leadRule ? formatAmount(c.leadRule.amount, c.currency) : '',
    firstPartyPath: c.firstPartyPath ?? '',
  }
}

export function campaignsPages(ctx: PortalContext): Router {
  const { campaigns, trackingCodes } = ctx.services
  const router = Router()

  router.get('/', view(ctx, async (req) => {
    const { account } = userOf(req)
    const list = await campaigns.listOwn(account.id)
    const table: Table<Campaign> = {
      name: 'campaigns', caption: 'Your campaigns', rows: list, empty: 'No campaigns yet.',
      columns: [
        { label: 'Name', value: (c) => c.name, cell: (c) => html`<a href="/portal/advertiser/campaigns/${encodeURIComponent(c.id)}">${c.name}</a>` },
        { label: 'Status', value: (c) => c.status, cell: (c) => badge(c.status) },
        { label: 'Sale commission', value: (c) => ruleText(c.saleRule, c.currency, 'sale') },
        { label: 'Lead commission', value: (c) => ruleText(c.leadRule, c.currency, 'lead') },
        { label: 'Cookie window (days)', value: (c) => c.cookieWindowDays, numeric: true },
        { label: 'Hold period (days)', value: (c) => c.holdDays, numeric: true },
        { label: 'Attribution', value: (c) => c.attribution.replace('_', ' ') },
        { label: 'Landing URLs', value: (c) => c.landingUrls.join(' '), cell: (c) => html`${c.landingUrls.map((u) => html`<span class="break">${u}</span><br>`)}` },
      ],
    }
    return {
      title: 'Campaigns', tables: [table],
      body: html`<p><a class="button" href="/portal/advertiser/campaigns/new">New campaign</a></p>${tableHtml(req, table)}`,
    }
  }))

  function campaignForm(req: Request, campaign: Campaign | null, state?: FormState): Page {
    const values = state?.values ?? campaignValues(campaign)
    const v = (name: string) => ({ name, value: values[name] ?? '', state: state ? { ...state, values } : undefined })
    const action = campaign ? `/portal/advertiser/campaigns/${encodeURIComponent(campaign.id)}` : '/portal/advertiser/campaigns'
    return {
      title: campaign ? `Campaign: ${campaign.name}` : 'New campaign',
      body: html`${backLink('/portal/advertiser', 'All campaigns')}${errorBox(state?.error)}
<form method="post" action="${action}" class="stack">${csrfField(req)}
${input({ ...v('name'), label: 'Name', required: true })}
${textarea({ ...v('description'), label: 'Description', hint: 'Shown to buyers in offer emails.' })}
<div class="row">${select({ ...v('status'), label: 'Status', options: [['active', 'Active'], ['paused', 'Paused']] })}
${input({ ...v('currency'), label: 'Currency', hint: 'ISO 4217, e.g. EUR', required: true })}
${select({ ...v('attribution'), label: 'Attribution', options: [['last_click', 'Last click'], ['first_click', 'First click']] })}</div>
${textarea({ ...v('landingUrls'), label: 'Landing URLs', hint: 'One per line; the first is the default. Clicks may only be sent to these.', rows: 3, required: true })}
<div class="row">${input({ ...v('cookieWindowDays'), label: 'Cookie window (days)', type: 'number', extra: html` min="1" max="365"`, required: true })}
${input({ ...v('holdDays'), label: 'Hold period (days)', type: 'number', extra: html` min="0" max="365"`, hint: 'Conversions are approved after it, unless you decline them.', required: true })}</div>
${input({ ...v('firstPartyPath'), label: 'First-party path', hint: 'Optional, e.g. /_nw: the path of your site that proxies to the network (see the tracking code’s first-party snippets). Set it only once https://your-site/_nw/healthz answers: clicks then go through it.' })}
<fieldset><legend>Commission rules</legend><div class="row">
${select({ ...v('saleKind'), label: 'Per sale', options: [['percent', 'Percentage of the sale'], ['fixed', 'Fixed amount per sale'], ['none', 'No sale commission']] })}
${input({ ...v('saleValue'), label: 'Sale commission', hint: 'A percentage (12.5) or an amount (2.50)', extra: html` inputmode="decimal"` })}
${input({ ...v('leadAmount'), label: 'Per lead (amount)', hint: 'Empty: no lead commission', extra: html` inputmode="decimal"` })}</div></fieldset>
<div><button type="submit">${campaign ? 'Save campaign' : 'Create campaign'}</button></div></form>`,
    }
  }

  router.get('/campaigns/new', view(ctx, async (req) => campaignForm(req, null)))
  router.post('/campaigns', formPost(ctx, async (req, res) => {
    const campaign = await campaigns.create(userOf(req).account, campaignBody(formFields(req, campaignFields)))
    redirect(res, `/portal/advertiser/campaigns/${encodeURIComponent(campaign.id)}`, 'campaign-created')
  }, async (req, state) => campaignForm(req, null, state), campaignInputs))

  router.get('/campaigns/:id', view(ctx, async (req) => {
    const campaign = await campaigns.own(userOf(req).account.id, pathId(req, 'id', 'campaign'))
    const page = campaignForm(req, campaign)
    const codes = (await trackingCodes.listOwn(campaign.advertiserId)).map((t) => t.code).filter((t) => t.campaignId === campaign.id)
    return {
      ...page,
      body: html`${page.body}<h2>Tracking codes of this campaign</h2>${codes.length
        ? html`<ul>${codes.map((t) => html`<li><a href="/portal/advertiser/tracking-codes/${encodeURIComponent(t.id)}">${t.name}</a> <span class="mono">${t.code}</span></li>`)}</ul>`
        : html`<p>None yet. <a href="/portal/advertiser/tracking-codes">Create a tracking code</a> to report its sales.</p>`}`,
    }
  }))
  router.post('/campaigns/:id', formPost(ctx, async (req, res) => {
    const campaign = await campaigns.update(userOf(req).account.id, pathId(req, 'id', 'campaign'), campaignBody(formFields(req, campaignFields)))
    redirect(res, `/portal/advertiser/campaigns/${encodeURIComponent(campaign.id)}`, 'campaign-saved')
  }, async (req, state) => campaignForm(req, await campaigns.own(userOf(req).account.id, pathId(req, 'id', 'campaign')), state), campaignInputs))

  return router
}
