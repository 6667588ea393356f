// The advertiser's pages: campaigns with their commission rules, tracking codes with copy-ready snippets,
// conversions with approve / decline / refund, the request log, monetize settings and the revenue report.
// Forms go through the API's own validation and use-cases; another account's ids answer 404.
import { Router, type Request } from 'express'
import { z } from 'zod'
import { AppError, badRequest, notFound } from '../errors.js'
import { createCampaign, updateCampaign } from '../api/campaigns.js'
import { percentText } from '../api/json.js'
import { createTrackingCode, snippetsFor, updateTrackingCode } from '../api/trackingCodes.js'
import { checkRange, idString, parse, pathId } from '../api/validate.js'
import { chooseOffers } from '../monetize/offers.js'
import { formatAmount, parseAmount } from '../money.js'
import type { Account, Campaign, Conversion, Message, RequestLogEntry, TrackingCode } from '../storage/types.js'
import { badge, money, time } from './format.js'
import { html, type Html } from './html.js'
import { actionButton, csrfField, formFields, formPost, formValues, input, queryValue, redirect, select, textarea, userOf, view, type FormState, type PortalContext } from './kit.js'
import { errorBox, type Page } from './layout.js'
import { proxyKey } from '../tracking/firstParty.js'
import { defaultProxyPath, proxyRules, serverSideSnippets } from '../tracking/proxyRules.js'
import { orderSnippets } from './orderSnippets.js'
import { periodOf } from './period.js'
import { revenueRoutes } from './revenue.js'
import { tableHtml, type Table } from './tables.js'
import { accountNames, amountValue, backLink, campaignNames, conversionFacts, conversionStatuses, conversionTable, copyBlock, facts, filterForm, ruleText } from './views.js'

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

const logQuery = z.object({
  code: idString.optional(),
  outcome: z.enum(['accepted', 'rejected']).optional(),
  reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'must be a reason code such as no_click' }).optional(),
})

const maskEmail = (email: string | null) => (email ? email.replace(/^(.)[^@]*(@.*)$/, '$1…$2') : '(forgotten)')

export function advertiserRoutes(ctx: PortalContext): Router {
  const { storage, config, lifecycle } = ctx.services
  const router = Router()

  async function ownCampaign(account: Account, id: string): Promise<Campaign> {
    const campaign = await storage.campaigns.get(id)
    if (!campaign || campaign.advertiserId !== account.id) throw notFound('campaign')
    return campaign
  }
  async function ownCode(account: Account, id: string): Promise<TrackingCode> {
    const code = await storage.trackingCodes.get(id)
    if (!code || code.advertiserId !== account.id) throw notFound('tracking code')
    return code
  }
  async function ownConversion(account: Account, id: string): Promise<Conversion> {
    const c = await storage.conversions.get(id)
    if (!c || c.advertiserId !== account.id) throw notFound('conversion')
    return c
  }

  // ---------- campaigns ----------
  router.get('/', view(ctx, async (req) => {
    const { account } = userOf(req)
    const campaigns = await storage.campaigns.listByAdvertiser(account.id)
    const table: Table<Campaign> = {
      name: 'campaigns', caption: 'Your campaigns', rows: campaigns, empty: 'No campaigns yet.',
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
    const campaign = await createCampaign(ctx.services, userOf(req).account, campaignBody(formFields(req, campaignFields)))
    redirect(res, `/portal/advertiser/campaigns/${encodeURIComponent(campaign.id)}`, 'campaign-created')
  }, async (req, state) => campaignForm(req, null, state), campaignInputs))

  router.get('/campaigns/:id', view(ctx, async (req) => {
    const campaign = await ownCampaign(userOf(req).account, pathId(req, 'id', 'campaign'))
    const page = campaignForm(req, campaign)
    const codes = (await storage.trackingCodes.listByAdvertiser(campaign.advertiserId)).filter((t) => t.campaignId === campaign.id)
    return {
      ...page,
      body: html`${page.body}<h2>Tracking codes of this campaign</h2>${codes.length
        ? html`<ul>${codes.map((t) => html`<li><a href="/portal/advertiser/tracking-codes/${encodeURIComponent(t.id)}">${t.name}</a> <span class="mono">${t.code}</span></li>`)}</ul>`
        : html`<p>None yet. <a href="/portal/advertiser/tracking-codes">Create a tracking code</a> to report its sales.</p>`}`,
    }
  }))
  router.post('/campaigns/:id', formPost(ctx, async (req, res) => {
    const current = await ownCampaign(userOf(req).account, pathId(req, 'id', 'campaign'))
    await updateCampaign(ctx.services, current, campaignBody(formFields(req, campaignFields)))
    redirect(res, `/portal/advertiser/campaigns/${encodeURIComponent(current.id)}`, 'campaign-saved')
  }, async (req, state) => campaignForm(req, await ownCampaign(userOf(req).account, pathId(req, 'id', 'campaign')), state), campaignInputs))

  // ---------- tracking codes ----------
  async function codesPage(req: Request, state?: FormState): Promise<Page> {
    const { account } = userOf(req)
    const [codes, campaigns] = await Promise.all([storage.trackingCodes.listByAdvertiser(account.id), storage.campaigns.listByAdvertiser(account.id)])
    const names = new Map(campaigns.map((c) => [c.id, c.name]))
    const table: Table<TrackingCode> = {
      name: 'tracking-codes', caption: 'Your tracking codes', rows: codes, empty: 'No tracking codes yet.',
      columns: [
        { label: 'Name', value: (t) => t.name, cell: (t) => html`<a href="/portal/advertiser/tracking-codes/${encodeURIComponent(t.id)}">${t.name}</a>` },
        { label: 'Code', value: (t) => t.code, cell: (t) => html`<span class="mono">${t.code}</span>` },
        { label: 'Campaign', value: (t) => names.get(t.campaignId) ?? t.campaignId },
        { label: 'Method', value: (t) => t.method },
        { label: 'Redirection URL', value: (t) => t.redirectUrl, cell: (t) => (t.redirectUrl ? html`<span class="break">${t.redirectUrl}</span>` : '—') },
        { label: 'Status', value: (t) => t.status, cell: (t) => badge(t.status) },
      ],
    }
    const values = state?.values ?? { method: 'GET' }
    const v = (name: string) => ({ name, value: values[name] ?? '', state })
    return {
      title: 'Tracking codes', tables: [table],
      body: html`${tableHtml(req, table)}<section aria-labelledby="new-code"><h2 id="new-code">New tracking code</h2>
${campaigns.length === 0 ? html`<p>Create a <a href="/portal/advertiser/campaigns/new">campaign</a> first.</p>` : html`${errorBox(state?.error)}
<form method="post" action="/portal/advertiser/tracking-codes" class="stack">${csrfField(req)}
${input({ ...v('name'), label: 'Name', hint: 'e.g. Thank-you page', required: true })}
${select({ ...v('campaignId'), label: 'Campaign', options: campaigns.map((c) => [c.id, c.name] as const) })}
${select({ ...v('method'), label: 'Method', options: [['GET', 'GET — script call or image pixel'], ['POST', 'POST — HTML form that redirects to the thank-you page']] })}
${input({ ...v('redirectUrl'), label: 'Redirection URL', type: 'url', hint: 'The thank-you page a POST form lands on (required for POST).' })}
<div><button type="submit">Create tracking code</button></div></form>`}</section>`,
    }
  }

  const codeBody = (v: Record<string, string>) => ({ name: v.name ?? '', campaignId: v.campaignId ?? '', method: v.method, redirectUrl: v.redirectUrl?.trim() ? v.redirectUrl.trim() : null })

  router.get('/tracking-codes', view(ctx, (req) => codesPage(req)))
  router.post('/tracking-codes', formPost(ctx, async (req, res) => {
    const { code } = await createTrackingCode(ctx.services, userOf(req).account.id, codeBody(formFields(req, ['name', 'campaignId', 'method'])))
    redirect(res, `/portal/advertiser/tracking-codes/${encodeURIComponent(code.id)}`, 'code-created')
  }, codesPage))

  async function codePage(req: Request, state?: FormState): Promise<Page> {
    const code = await ownCode(userOf(req).account, pathId(req, 'id', 'tracking code'))
    const campaign = (await storage.campaigns.get(code.campaignId)) ?? undefined
    const s = snippetsFor(config.publicUrl, code, campaign)
    // First-party mode: the same tag and pixel with the shop's own path as their origin, and the proxy rules
    // filled in with this advertiser's key.
    const fpPath = campaign?.firstPartyPath ?? defaultProxyPath
    const fp = snippetsFor(fpPath, code, campaign)
    const key = proxyKey(config.cookieSecret, code.advertiserId)
    const rules = proxyRules({ networkUrl: config.publicUrl, path: fpPath, proxyKey: key })
    const serverSide = serverSideSnippets({ networkUrl: config.publicUrl, code: code.code, secret: code.postbackSecret })
    const campaignHref = campaign ? `/portal/advertiser/campaigns/${encodeURIComponent(campaign.id)}` : null
    const values = state?.values ?? { name: code.name, method: code.method, redirectUrl: code.redirectUrl ?? '', status: code.status }
    const v = (name: string) => ({ name, value: values[name] ?? '', state })
    const base = `/portal/advertiser/tracking-codes/${encodeURIComponent(code.id)}`
    return {
      title: `Tracking code: ${code.name}`,
      body: html`${backLink('/portal/advertiser/tracking-codes', 'All tracking codes')}
${facts([['Code', html`<span class="mono">${code.code}</span>`], ['Campaign', campaign?.name ?? code.campaignId], ['Method', code.method], ['Redirection URL', code.redirectUrl], ['Status', badge(code.status)]])}
<p><a href="/portal/advertiser/request-log?code=${encodeURIComponent(code.id)}">Test the integration: see this code's requests in the request log →</a></p>
<section aria-labelledby="snippets-heading"><h2 id="snippets-heading">Snippets</h2>
<p class="lead">Replace ORDER_ID and the amount with the order's own values.</p>
${copyBlock('snippet-script', 'Tracker tag — on every page', s.scriptTag, 'It remembers the click id on your own domain, for the cookie window.')}
${copyBlock('snippet-conversion', 'Conversion call — on the thank-you page, after the tag', s.conversionCall)}
${copyBlock('snippet-pixel', 'Image pixel (GET) — on the thank-you page, without any script', s.pixel)}
${copyBlock('snippet-form', 'HTML form (POST) — posts the order, then redirects to the thank-you page', s.form, code.redirectUrl ? `Redirects to ${code.redirectUrl}.` : 'Set a redirection URL (below) for the form to land on your thank-you page.')}
${copyBlock('snippet-postback', 'Server-to-server postback — with the secret as token', s.postbackUrl, 'Keep this URL secret: it carries the postback secret.')}
${copyBlock('snippet-postback-signed', 'Server-to-server postback — with an HMAC signature', `${s.postbackSignedUrl}\n\n${s.postbackSignature}`)}
${copyBlock('snippet-curl', 'Conversions API — cURL', s.curl)}
${copyBlock('snippet-node', 'Conversions API — Node.js', s.node)}
${copyBlock('snippet-php', 'Conversions API — PHP', s.php)}
${copyBlock('snippet-python', 'Conversions API — Python', s.python)}</section>
<section aria-labelledby="first-party-heading"><h2 id="first-party-heading">First-party mode</h2>
<p class="lead">Proof against blocked third-party cookies, Safari's 7-day limit on script cookies and ad blockers: your site forwards one path, <span class="mono">${fpPath}</span>, to the network with one reverse-proxy rule, and the network's cookie is then set through your own server. Add the rule for your platform, check that <span class="mono">https://your-site${fpPath}/healthz</span> answers, then ${campaign?.firstPartyPath ? html`keep the campaign's first-party path (it is ${campaign.firstPartyPath}): clicks go through it.` : campaignHref ? html`set <a href="${campaignHref}">the campaign's first-party path</a> to ${fpPath}: clicks then go through it.` : html`set the campaign's first-party path to ${fpPath}.`}</p>
${copyBlock('fp-script', 'Tracker tag through your path — on every page', fp.scriptTag, 'Replaces the tracker tag above: the script, its hits and the click are all on your own domain.')}
${copyBlock('fp-pixel', 'Image pixel through your path — on the thank-you page, without any script', fp.pixel)}
${copyBlock('fp-key', 'Your proxy key — the X-Nw-Proxy header of the rule', key, 'The rules below carry it already. With it the network sees your visitors\' addresses rather than your server\'s; keep it in your server configuration.')}
${copyBlock('fp-nginx', 'Proxy rule — nginx', rules.nginx)}
${copyBlock('fp-apache', 'Proxy rule — Apache', rules.apache)}
${copyBlock('fp-caddy', 'Proxy rule — Caddy', rules.caddy)}
${copyBlock('fp-worker', 'Proxy rule — Cloudflare Worker', rules.cloudflareWorker)}
${copyBlock('fp-nextjs', 'Proxy rule — Next.js', rules.nextjs, 'A rewrite alone cannot send the proxy key: use the middleware.')}
${copyBlock('fp-express', 'Proxy rule — Express', rules.express)}
${copyBlock('fp-server-node', 'Without a proxy: server-side snippet — Node.js', serverSide.node, 'Keeps the click id in your own HttpOnly cookie and reports the order by postback. It carries the postback secret: keep it on your server.')}
${copyBlock('fp-server-php', 'Without a proxy: server-side snippet — PHP', serverSide.php)}
${copyBlock('fp-server-python', 'Without a proxy: server-side snippet — Python', serverSide.python)}</section>
<section aria-labelledby="edit-code"><h2 id="edit-code">Settings</h2>${errorBox(state?.error)}
<form method="post" action="${base}" class="stack">${csrfField(req)}
${input({ ...v('name'), label: 'Name', required: true })}
<div class="row">${select({ ...v('method'), label: 'Method', options: [['GET', 'GET'], ['POST', 'POST']] })}
${select({ ...v('status'), label: 'Status', options: [['active', 'Active'], ['paused', 'Paused']] })}</div>
${input({ ...v('redirectUrl'), label: 'Redirection URL', type: 'url', hint: 'Required for POST.' })}
<div><button type="submit">Save tracking code</button></div></form>
<h3>Postback secret</h3><p>Rotate it if it leaked: the old secret stops working at once.</p>
${actionButton(req, `${base}/rotate-secret`, 'Make a new postback secret', { kind: 'danger' })}</section>`,
    }
  }

  router.get('/tracking-codes/:id', view(ctx, (req) => codePage(req)))
  router.post('/tracking-codes/:id', formPost(ctx, async (req, res) => {
    const current = await ownCode(userOf(req).account, pathId(req, 'id', 'tracking code'))
    const v = formFields(req, ['name', 'method', 'status'])
    await updateTrackingCode(ctx.services, current, { name: v.name ?? '', method: v.method, status: v.status, redirectUrl: v.redirectUrl?.trim() ? v.redirectUrl.trim() : null })
    redirect(res, `/portal/advertiser/tracking-codes/${encodeURIComponent(current.id)}`, 'code-saved')
  }, codePage))
  router.post('/tracking-codes/:id/rotate-secret', formPost(ctx, async (req, res) => {
    const current = await ownCode(userOf(req).account, pathId(req, 'id', 'tracking code'))
    await updateTrackingCode(ctx.services, current, { rotateSecret: true })
    redirect(res, `/portal/advertiser/tracking-codes/${encodeURIComponent(current.id)}`, 'secret-rotated')
  }, codePage))

  // ---------- conversions ----------
  router.get('/conversions', view(ctx, async (req) => {
    const { account } = userOf(req)
    const choice = periodOf(req, 90)
    const statusText = queryValue(req, 'status')
    const status = conversionStatuses.find((s) => s === statusText)
    const query = { advertiserId: account.id, status, from: choice.period.from, to: choice.period.to }
    const rows = await storage.conversions.list({ ...query, limit: 200 })
    const [names, publishers] = await Promise.all([campaignNames(storage, rows.map((c) => c.campaignId)), accountNames(storage, rows.map((c) => c.publisherId))])
    const table = conversionTable('conversions', 'Conversions on your campaigns, newest first', rows, names, {
      detail: (c) => `/portal/advertiser/conversions/${encodeURIComponent(c.id)}`,
      allRows: () => storage.conversions.list({ ...query, limit: 100_000 }),
      showEmail: true,
      extra: [
        { label: 'Publisher', value: (c) => (c.publisherId ? publishers.get(c.publisherId) ?? c.publisherId : null) },
        { label: 'Actions', value: () => null, pageOnly: true, cell: (c) => conversionActions(req, c, '/portal/advertiser/conversions') },
      ],
    })
    return {
      title: 'Conversions', tables: [table], status: choice.error ? 400 : 200,
      body: html`${errorBox(choice.error)}${filterForm('/portal/advertiser/conversions', choice.from, choice.to, status)}${tableHtml(req, table)}`,
    }
  }))

  function conversionActions(req: Request, c: Conversion, back: string): Html {
    const base = `/portal/advertiser/conversions/${encodeURIComponent(c.id)}`
    const backField = html`<input type="hidden" name="back" value="${back}">`
    return html`<div class="actions">${c.status === 'pending' ? html`${actionButton(req, `${base}/approve`, 'Approve', { extra: backField, description: `Approve order ${c.orderId}` })}
${actionButton(req, `${base}/decline`, 'Decline', { kind: 'danger', extra: backField, description: `Decline order ${c.orderId}` })}` : ''}
${c.status === 'pending' || c.status === 'approved' ? html`<a href="${base}#refund">Refund…</a>` : ''}</div>`
  }

  async function conversionPage(req: Request, state?: FormState): Promise<Page> {
    const c = await ownConversion(userOf(req).account, pathId(req, 'id', 'conversion'))
    const names = await campaignNames(storage, [c.campaignId])
    const base = `/portal/advertiser/conversions/${encodeURIComponent(c.id)}`
    const left = c.amount - c.refundedAmount
    const refundable = c.status === 'pending' || c.status === 'approved'
    return {
      title: `Conversion ${c.orderId}`,
      body: html`${backLink('/portal/advertiser/conversions', 'All conversions')}${errorBox(state?.error)}${conversionFacts(c, names, true)}
${c.status === 'pending' ? html`<h2>Decide</h2><p>Approve it now, or decline it (the commission is removed). Undecided, it is approved when the hold period ends.</p>
<div class="actions">${actionButton(req, `${base}/approve`, 'Approve')}</div>
<form method="post" action="${base}/decline" class="inline">${csrfField(req)}${input({ name: 'reason', label: 'Reason for declining (optional)', state })}<button type="submit" class="danger">Decline</button></form>` : ''}
${refundable ? html`<h2 id="refund">Refund or chargeback</h2><p>Refunded so far: ${money(c.refundedAmount, c.currency)}; ${money(left, c.currency)} left. The commission follows the refund${c.status === 'approved' ? ' (as a negative entry on the publisher\'s approved balance)' : ''}.</p>
<form method="post" action="${base}/refund" class="stack">${csrfField(req)}
<div class="row">${input({ name: 'amount', label: `Amount (${c.currency})`, hint: `Empty: all that is left (${amountValue(left, c.currency)})`, state, extra: html` inputmode="decimal"` })}
${select({ name: 'kind', label: 'Kind', options: [['refund', 'Refund'], ['chargeback', 'Chargeback']], state })}</div>
${input({ name: 'reason', label: 'Reason (optional)', state: state?.field === 'reason' ? state : undefined })}
<div><button type="submit" class="danger">Record refund</button></div></form>` : ''}`,
    }
  }

  /** After an action: back to the list the button was on, or to the conversion. */
  const backTo = (req: Request, c: Conversion) => {
    const back = (req.body as Record<string, unknown>).back
    return typeof back === 'string' && /^\/portal\/advertiser\/conversions(\?[\w=&%.-]*)?$/.test(back) ? back : `/portal/advertiser/conversions/${encodeURIComponent(c.id)}`
  }

  router.get('/conversions/:id', view(ctx, (req) => conversionPage(req)))
  router.post('/conversions/:id/approve', formPost(ctx, async (req, res) => {
    const c = await lifecycle.approveNow(userOf(req).account.id, pathId(req, 'id', 'conversion'))
    redirect(res, backTo(req, c), 'approved')
  }, conversionPage))
  router.post('/conversions/:id/decline', formPost(ctx, async (req, res) => {
    const reason = formValues(req).reason?.trim().slice(0, 500) || null
    const c = await lifecycle.decline(userOf(req).account.id, pathId(req, 'id', 'conversion'), reason)
    redirect(res, backTo(req, c), 'declined')
  }, conversionPage))
  router.post('/conversions/:id/refund', formPost(ctx, async (req, res) => {
    const { account } = userOf(req)
    const current = await ownConversion(account, pathId(req, 'id', 'conversion'))
    const v = formValues(req)
    const amount = v.amount?.trim() ? parseAmount(v.amount, current.currency, 'amount') : undefined
    const kind = v.kind === 'chargeback' ? 'chargeback' : 'refund'
    const c = await lifecycle.refund(account.id, current.id, { amount, kind, reason: v.reason?.trim().slice(0, 500) || null })
    redirect(res, `/portal/advertiser/conversions/${encodeURIComponent(c.id)}`, 'refunded')
  }, conversionPage))

  // ---------- request log ----------
  router.get('/request-log', view(ctx, async (req) => {
    const { account } = userOf(req)
    const choice = periodOf(req, 7, 92)
    const codes = await storage.trackingCodes.listByAdvertiser(account.id)
    let error: AppError | undefined = choice.error
    let q: z.output<typeof logQuery> = {}
    try {
      q = parse(logQuery, { code: queryValue(req, 'code'), outcome: queryValue(req, 'outcome'), reason: queryValue(req, 'reason') })
      if (q.code && !codes.some((t) => t.id === q.code)) throw badRequest('code', 'code is not one of your tracking codes')
      checkRange(choice.period.from, choice.period.to)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      error ??= e
      q = {}
    }
    const query = { advertiserId: account.id, trackingCodeId: q.code, outcome: q.outcome, reason: q.reason, from: choice.period.from, to: choice.period.to }
    const entries = await storage.requestLog.list({ ...query, limit: 200 })
    const codeNames = new Map(codes.map((t) => [t.id, t.name]))
    const table: Table<RequestLogEntry> = {
      name: 'request-log', caption: 'Tracking requests, newest first', rows: entries, empty: 'No requests match. Send a test conversion and look again.',
      allRows: () => storage.requestLog.list({ ...query, limit: 100_000 }),
      columns: [
        { label: 'When', value: (e) => e.at.toISOString(), cell: (e) => time(e.at) },
        { label: 'Kind', value: (e) => e.kind },
        { label: 'Outcome', value: (e) => e.outcome, cell: (e) => badge(e.outcome) },
        { label: 'Reason', value: (e) => e.reason, cell: (e) => html`<span class="mono">${e.reason}</span>` },
        { label: 'Tracking code', value: (e) => (e.trackingCodeId ? codeNames.get(e.trackingCodeId) ?? e.trackingCodeId : null) },
        {
          label: 'Parameters', value: (e) => new URLSearchParams(e.params).toString(),
          cell: (e) => html`<span class="mono break">${Object.entries(e.params).map(([k, val]) => `${k}=${val}`).join(' ')}</span>`,
        },
        {
          label: 'Conversion', value: (e) => e.conversionId,
          cell: (e) => (e.conversionId ? html`<a href="/portal/advertiser/conversions/${encodeURIComponent(e.conversionId)}">view</a>` : '—'),
        },
        { label: 'Click id', value: (e) => e.clickId, cell: (e) => (e.clickId ? html`<span class="mono">${e.clickId}</span>` : '—') },
      ],
    }
    return {
      title: 'Request log', tables: [table], status: error ? 400 : 200,
      body: html`<p class="lead">Every click, pixel, form, postback and API request that concerned you, with its outcome and the reason — the place to test an integration.</p>
${errorBox(error)}<form method="get" action="/portal/advertiser/request-log" class="inline">
${select({ name: 'code', label: 'Tracking code', value: q.code ?? '', options: [['', 'Any'], ...codes.map((t) => [t.id, t.name] as const)] })}
${select({ name: 'outcome', label: 'Outcome', value: q.outcome ?? '', options: [['', 'Any'], ['accepted', 'Accepted'], ['rejected', 'Rejected']] })}
${input({ name: 'reason', label: 'Reason', value: q.reason ?? '', hint: 'e.g. no_click' })}
${input({ name: 'from', label: 'From', type: 'date', value: choice.from })}${input({ name: 'to', label: 'To (inclusive)', type: 'date', value: choice.to })}
<button type="submit">Filter</button></form>${tableHtml(req, table)}`,
    }
  }))

  // ---------- monetize ----------
  router.get('/monetize', view(ctx, async (req) => {
    const { account } = userOf(req)
    const [active, codes, messages, balances] = await Promise.all([
      storage.campaigns.listActive(), storage.trackingCodes.listByAdvertiser(account.id), storage.messages.listByAccount(account.id, 50), storage.ledger.balances(account.id),
    ])
    const currency = active.find((c) => c.advertiserId === account.id)?.currency ?? 'EUR'
    const sampleTotal = parseAmount('50', currency)
    const offers = chooseOffers(active, account.id, { total: sampleTotal }, config.OFFERS_PER_EMAIL)
    const code = codes.find((t) => t.status === 'active')
    const campaign = code ? active.find((c) => c.id === code.campaignId) : undefined
    const snippets = orderSnippets(config.publicUrl, currency, code ? {
      publicUrl: config.publicUrl, code: code.code, postbackSecret: code.postbackSecret, campaignId: code.campaignId, currency,
      cookieWindowDays: campaign?.cookieWindowDays ?? 30, attribution: campaign?.attribution ?? 'last_click',
    } : null)
    const offerTable: Table<Campaign> = {
      name: 'offers', caption: `Offers a buyer would get now, for an order of ${money(sampleTotal, currency)}`, rows: offers,
      empty: 'No active campaigns of other advertisers: no offer email would be sent.',
      columns: [
        { label: 'Campaign', value: (c) => c.name },
        { label: 'What the buyer reads', value: (c) => c.description },
        { label: 'You earn per lead', value: (c) => ruleText(c.leadRule, c.currency, 'lead') },
        { label: 'You earn per sale', value: (c) => ruleText(c.saleRule, c.currency, 'sale') },
      ],
    }
    const messageTable: Table<Message> = {
      name: 'offer-emails', caption: 'Offer emails sent in your name, newest first', rows: messages, empty: 'No offer emails yet.',
      columns: [
        { label: 'Created', value: (m) => m.createdAt.toISOString(), cell: (m) => time(m.createdAt) },
        { label: 'Recipient', value: (m) => maskEmail(m.recipient) },
        { label: 'Subject', value: (m) => m.subject || null },
        { label: 'Offers', value: (m) => m.campaignIds.length, numeric: true },
        { label: 'Status', value: (m) => m.status, cell: (m) => badge(m.status === 'sent' ? 'approved' : m.status === 'failed' ? 'failed' : 'pending') },
        { label: 'Error', value: (m) => m.error },
      ],
    }
    const credit = balances.filter((b) => b.credit !== 0 || b.approved !== 0)
    return {
      title: 'Monetize your order confirmations', tables: [offerTable, messageTable],
      body: html`<p class="lead">Tell the network about each order as it is confirmed; the network emails the buyer offers from other advertisers in your shop's name, and every buyer's first click on an offer earns you a lead commission.</p>
${account.roles.includes('publisher') ? '' : html`<div class="error" role="alert"><p>Offer emails are sent only for shops that are also publishers. Ask the network to add the publisher role to your account.</p></div>`}
<section aria-labelledby="settings-heading"><h2 id="settings-heading">Settings</h2>${facts([
        ['Offers per email', String(config.OFFERS_PER_EMAIL)],
        ['Sender name', account.name], ['Replies go to', account.email],
        ['Delivery', config.MAILGUN_API_KEY ? 'Mailgun' : 'Local outbox (no Mailgun key is set)'],
      ])}
${!config.MAILGUN_API_KEY && config.NODE_ENV !== 'production' ? html`<p><a href="/outbox">Open the outbox</a> to read the emails the network would have sent.</p>` : ''}</section>
<section aria-labelledby="preview-heading"><h2 id="preview-heading">Offers preview</h2>${tableHtml(req, offerTable)}</section>
<section aria-labelledby="snippets-heading"><h2 id="snippets-heading">Order API snippets</h2>
<p>Use an API key from <a href="/portal/account">your account</a> as NETWORK_API_KEY.</p>
${copyBlock('order-curl', 'cURL', snippets.curl)}${copyBlock('order-node', 'Node.js', snippets.node)}
${copyBlock('order-php', 'PHP', snippets.php)}${copyBlock('order-python', 'Python', snippets.python)}
${snippets.browser ? copyBlock('order-browser', 'On the confirmation page, with the tracker', snippets.browser, 'Without a server call: the browser reports the order (rate-limited per visitor).') : ''}</section>
<section aria-labelledby="sent-heading"><h2 id="sent-heading">Offer emails</h2>${tableHtml(req, messageTable)}</section>
<section aria-labelledby="credit-heading"><h2 id="credit-heading">Reinvest</h2>
<p>${credit.length ? credit.map((b) => html`${money(b.approved, b.currency)} approved, ${money(b.credit, b.currency)} advertising credit. `) : 'No approved earnings yet. '}
${account.roles.includes('publisher') ? html`<a href="/portal/publisher#reinvest-heading">Reinvest approved earnings into your own campaigns →</a>` : ''}</p></section>`,
    }
  }))

  // ---------- revenue from campaigns (its own module) ----------
  router.use(revenueRoutes(ctx))

  return router
}
