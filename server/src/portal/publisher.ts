// The publisher's pages: balance and earnings, statistics per campaign and sub-id, the link builder,
// conversions and payouts. Every query is scoped to the signed-in account; another account's record is
// answered exactly like a missing one (404).
import { randomBytes } from 'node:crypto'
import { Router, type Request } from 'express'
import { owned } from '../accounts/ownership.js'
import { AppError, badRequest, notFound } from '../errors.js'
import { pathId } from '../validation.js'
import { parseAmount, parseCurrency } from '../money.js'
import type { DailyEarnings, Link, Payout, StatsDimension } from '../storage/types.js'
import { daysBetween, earningsChart } from './chart.js'
import { badge, change, count, money, rate, time } from './format.js'
import { html, safeHref, type Html } from './html.js'
import { csrfField, formPost, input, queryValue, redirect, select, userOf, view, type FormState, type PortalContext } from './kit.js'
import { errorBox, type Page } from './layout.js'
import { lastDays, periodOf } from './period.js'
import { epc, publisherReport, type Metrics, type Period, type ReportRow } from '../stats/index.js'
import { tableHtml, type Column, type Table } from './tables.js'
import { campaignNames } from '../names.js'
import { amountValue, backLink, balanceCards, conversionFacts, conversionStatuses, conversionTable, facts, filterForm, ledgerTable, ruleText } from './views.js'

const dimensions: [StatsDimension, string][] = [['campaign', 'Campaign'], ['sub1', 'Sub-id 1'], ['sub2', 'Sub-id 2'], ['sub3', 'Sub-id 3'], ['sub4', 'Sub-id 4'], ['sub5', 'Sub-id 5']]
const subNames = ['sub1', 'sub2', 'sub3', 'sub4', 'sub5'] as const

export function publisherRoutes(ctx: PortalContext): Router {
  const { storage, credit, links } = ctx.services
  const router = Router()

  // ---------- overview: balance, earnings chart, ledger, reinvest ----------
  async function overview(req: Request, state?: FormState): Promise<Page> {
    const { account } = userOf(req)
    const period = lastDays(30)
    const [balances, earnings, entries] = await Promise.all([
      storage.ledger.balances(account.id), storage.stats.earningsByDay(account.id, period.from, period.to), storage.ledger.listByAccount(account.id, 20),
    ])
    const shop = account.roles.includes('advertiser')
    const currencies = [...new Set([...earnings.map((e) => e.currency), ...balances.map((b) => b.currency)])].sort()
    const charts = earningsFigures(period, earnings, currencies.length ? currencies : ['EUR'])
    const ledger = ledgerTable(entries, () => storage.ledger.listByAccount(account.id, 100_000))
    const reinvest = shop ? reinvestForm(req, balances.map((b) => b.currency), state) : ''
    return {
      title: 'Publisher overview',
      tables: [ledger],
      body: html`<section aria-labelledby="balance-heading"><h2 id="balance-heading">Balance</h2>
<p class="lead">Derived from your ledger: pending commissions wait for the hold period, approved ones are due for payout, paid ones were paid out.</p>
${balanceCards(balances, shop)}</section>
${reinvest}
<section aria-labelledby="earnings-heading"><h2 id="earnings-heading">Earnings, last 30 days</h2>${charts}
<p><a href="/portal/publisher/stats">Statistics per campaign and sub-id →</a></p></section>
<section aria-labelledby="ledger-heading"><h2 id="ledger-heading">Recent ledger entries</h2>${tableHtml(req, ledger)}</section>`,
    }
  }

  function reinvestForm(req: Request, currencies: string[], state?: FormState): Html {
    return html`<section aria-labelledby="reinvest-heading"><h2 id="reinvest-heading">Reinvest</h2>
<p>Move approved earnings into advertising credit: it pays the commissions of your own campaigns before anything else.</p>
${errorBox(state?.error)}<form method="post" action="/portal/publisher/reinvest" class="inline">${csrfField(req)}
<input type="hidden" name="key" value="${randomBytes(12).toString('base64url')}">
${input({ name: 'amount', label: 'Amount', hint: 'e.g. 25.00', required: true, state, extra: html` inputmode="decimal"` })}
${select({ name: 'currency', label: 'Currency', options: (currencies.length ? currencies : ['EUR']).map((c) => [c, c] as const), state })}
<button type="submit">Move to credit</button></form></section>`
  }

  router.get('/', view(ctx, (req) => overview(req)))

  router.post('/reinvest', formPost(ctx, async (req, res) => {
    const { account } = userOf(req)
    const body = req.body as Record<string, unknown>
    const currency = parseCurrency(body.currency)
    const amount = parseAmount(body.amount, currency)
    if (amount <= 0) throw badRequest('amount', 'amount must be more than zero', 'bad_amount')
    const key = typeof body.key === 'string' && /^[\w-]{1,40}$/.test(body.key) ? body.key : randomBytes(12).toString('base64url')
    await credit.reinvest(account, amount, currency, `${account.id}:portal:${key}`)
    redirect(res, '/portal/publisher', 'reinvested')
  }, overview))

  // ---------- statistics ----------
  router.get('/stats', view(ctx, async (req) => {
    const { account } = userOf(req)
    const choice = periodOf(req)
    const byText = queryValue(req, 'by') ?? 'campaign'
    const by = dimensions.find(([d]) => d === byText)?.[0]
    const error = choice.error ?? (by ? undefined : badRequest('by', 'choose a campaign or a sub-id to group by'))
    const report = await publisherReport(storage, account.id, choice.period, by ?? 'campaign')
    const earnings = await storage.stats.earningsByDay(account.id, choice.period.from, choice.period.to)
    const table = statsTable(report.rows, report.currencies, report.by, report.total)
    const group = dimensions.find(([d]) => d === report.by)![1]
    const charts = earningsFigures(choice.period, earnings, report.currencies)
    return {
      title: 'Statistics',
      tables: [table],
      status: error ? 400 : 200,
      body: html`${errorBox(error)}<form method="get" action="/portal/publisher/stats" class="inline">
${input({ name: 'from', label: 'From', type: 'date', value: choice.from, required: true })}
${input({ name: 'to', label: 'To (inclusive)', type: 'date', value: choice.to, required: true })}
${select({ name: 'by', label: 'Group by', value: report.by, options: dimensions })}
<button type="submit">Show</button></form>
<p class="lead">${group} totals from ${choice.from} to ${choice.to}, each with the previous ${Math.round((choice.period.to.getTime() - choice.period.from.getTime()) / 86_400_000)} days below it.
Unique clicks are neither duplicates nor bots; conversion rate and EPC (earnings per click) are per unique click.</p>
${tableHtml(req, table)}${charts.length ? html`<h2>Earnings per day</h2>${charts}` : ''}`,
    }
  }))

  // ---------- link builder ----------
  async function linksPage(req: Request, state?: FormState): Promise<Page> {
    const { account } = userOf(req)
    const [campaigns, links] = await Promise.all([storage.campaigns.listActive(), storage.links.listByPublisher(account.id)])
    const names = await campaignNames(storage, links.map((l) => l.campaignId))
    const builtId = queryValue(req, 'link')
    let built: Html | string = ''
    if (builtId) {
      const link = links.find((l) => l.id === builtId)
      if (!link) throw notFound('link')
      const subs = subsOf(req.query as Record<string, unknown>)
      built = html`<section aria-labelledby="built-heading" class="card"><h2 id="built-heading">Your tracked link</h2>
<p>For <strong>${names.get(link.campaignId) ?? link.campaignId}</strong>, landing on <span class="break">${link.landingUrl}</span>.</p>
<output id="built-link" class="built mono">${trackedUrl(link, subs)}</output>
<p><button type="button" data-copy="built-link" hidden>Copy link</button></p></section>`
    }
    const options = campaigns.map((c) => html`<optgroup label="${`${c.name} — ${[ruleText(c.saleRule, c.currency, 'sale'), ruleText(c.leadRule, c.currency, 'lead')].filter((r) => r !== '—').join(', ')}`}">${c.landingUrls.map((u, i) => {
      const value = `${c.id}~${i}`
      const selected = state ? state.values.target === value : false
      return html`<option value="${value}"${selected ? html` selected` : ''}>${u}</option>`
    })}</optgroup>`)
    const table: Table<Link> = {
      name: 'links', caption: 'Your links', rows: links, empty: 'No links yet: build one above.',
      columns: [
        { label: 'Campaign', value: (l) => names.get(l.campaignId) ?? l.campaignId },
        { label: 'Tracked URL', value: (l) => trackedUrl(l, {}), cell: (l) => html`<span class="mono break">${trackedUrl(l, {})}</span>` },
        { label: 'Landing URL', value: (l) => l.landingUrl, cell: (l) => html`<a class="break" href="${safeHref(l.landingUrl)}" rel="noopener noreferrer">${l.landingUrl}</a>` },
        { label: 'Status', value: (l) => l.status, cell: (l) => badge(l.status) },
        { label: 'Created', value: (l) => l.createdAt.toISOString(), cell: (l) => time(l.createdAt) },
      ],
    }
    const targetInvalid = state?.field === 'target'
    return {
      title: 'Links',
      tables: [table],
      body: html`${built}<section aria-labelledby="builder-heading"><h2 id="builder-heading">Build a tracked link</h2>
${errorBox(state?.error)}<form method="post" action="/portal/publisher/links" class="stack">${csrfField(req)}
<div class="field"><label for="target">Campaign and landing page</label>
<select id="target" name="target" required aria-describedby="target-hint${targetInvalid ? ' target-error' : ''}"${targetInvalid ? html` aria-invalid="true"` : ''}>${options}</select>
<span class="hint" id="target-hint">Active campaigns of every advertiser, with what they pay.</span>
${targetInvalid ? html`<span class="field-error" id="target-error">${state!.error.message}</span>` : ''}</div>
<fieldset><legend>Sub-ids (optional)</legend><p class="hint" id="subs-hint">Tell your traffic sources apart: each click records them, and statistics group by them.</p>
<div class="row">${subNames.map((s, i) => input({ name: s, label: `Sub-id ${i + 1}`, state }))}</div></fieldset>
<div><button type="submit">Build link</button></div></form></section>
${tableHtml(req, table)}`,
    }
  }

  function trackedUrl(link: Link, subs: Partial<Record<(typeof subNames)[number], string>>): string {
    const url = new URL(links.url(link))
    for (const name of subNames) if (subs[name]) url.searchParams.set(name, subs[name])
    return url.href
  }

  router.get('/links', view(ctx, (req) => linksPage(req)))

  router.post('/links', formPost(ctx, async (req, res) => {
    const { account } = userOf(req)
    const body = req.body as Record<string, unknown>
    const [campaignId, index] = typeof body.target === 'string' ? body.target.split('~') : []
    const campaign = campaignId ? await storage.campaigns.get(campaignId) : null
    const landingUrl = campaign?.status === 'active' ? campaign.landingUrls[Number(index)] : undefined
    if (!campaign || !landingUrl) throw badRequest('target', 'choose an active campaign and one of its landing pages')
    const subs = subsOf(body)
    const existing = (await storage.links.listByPublisher(account.id)).find((l) => l.campaignId === campaign.id && l.landingUrl === landingUrl && l.status === 'active')
    const link = existing ?? (await links.create(account.id, { campaignId: campaign.id, landingUrl }))
    const query = new URLSearchParams({ link: link.id })
    for (const name of subNames) if (subs[name]) query.set(name, subs[name])
    redirect(res, `/portal/publisher/links?${query}`)
  }, linksPage))

  // ---------- conversions ----------
  router.get('/conversions', view(ctx, async (req) => {
    const { account } = userOf(req)
    const choice = periodOf(req, 90)
    const statusText = queryValue(req, 'status')
    const status = conversionStatuses.find((s) => s === statusText)
    const query = { publisherId: account.id, status, from: choice.period.from, to: choice.period.to }
    const rows = await storage.conversions.list({ ...query, limit: 200 })
    const names = await campaignNames(storage, rows.map((c) => c.campaignId))
    const table = conversionTable('conversions', 'Conversions credited to you, newest first', rows, names, {
      detail: (c) => `/portal/publisher/conversions/${encodeURIComponent(c.id)}`,
      allRows: () => storage.conversions.list({ ...query, limit: 100_000 }),
    })
    return {
      title: 'Conversions',
      tables: [table],
      status: choice.error ? 400 : 200,
      body: html`${errorBox(choice.error)}${filterForm('/portal/publisher/conversions', choice.from, choice.to, status)}${tableHtml(req, table)}`,
    }
  }))

  router.get('/conversions/:id', view(ctx, async (req) => {
    const { account } = userOf(req)
    const c = owned(await storage.conversions.get(pathId(req, 'id', 'conversion')), account.id, 'conversion', 'publisherId')
    const names = await campaignNames(storage, [c.campaignId])
    return { title: `Conversion ${c.orderId}`, body: html`${backLink('/portal/publisher/conversions', 'All conversions')}${conversionFacts(c, names)}` }
  }))

  // ---------- payouts ----------
  router.get('/payouts', view(ctx, async (req) => {
    const { account } = userOf(req)
    const payouts = await storage.payouts.listByAccount(account.id, 1000)
    const periods = await periodsOf(payouts)
    const table: Table<Payout> = {
      name: 'payouts', caption: 'Your payouts, newest first', rows: payouts, empty: 'No payouts yet. Approved earnings above the minimum are paid out in the next batch.',
      columns: [
        { label: 'Period', value: (p) => periods.get(p.batchId) ?? null, cell: (p) => html`<a href="/portal/publisher/payouts/${encodeURIComponent(p.id)}">${periods.get(p.batchId) ?? p.batchId}</a>` },
        { label: 'Amount', value: (p) => amountValue(p.amount, p.currency), cell: (p) => money(p.amount, p.currency), numeric: true },
        { label: 'Currency', value: (p) => p.currency },
        { label: 'Status', value: (p) => p.status, cell: (p) => badge(p.status) },
        { label: 'Scheduled', value: (p) => p.createdAt.toISOString(), cell: (p) => time(p.createdAt) },
        { label: 'Paid', value: (p) => p.paidAt?.toISOString() ?? null, cell: (p) => time(p.paidAt) },
      ],
    }
    return { title: 'Payouts', tables: [table], body: tableHtml(req, table) }
  }))

  router.get('/payouts/:id', view(ctx, async (req) => {
    const { account } = userOf(req)
    const payout = owned(await storage.payouts.get(pathId(req, 'id', 'payout')), account.id, 'payout', 'accountId')
    const [periods, entries] = await Promise.all([periodsOf([payout]), storage.ledger.listByAccount(account.id, 10_000)])
    const mine = entries.filter((e) => e.payoutId === payout.id)
    const table = ledgerTable(mine, async () => mine)
    return {
      title: `Payout ${periods.get(payout.batchId) ?? ''}`.trim(),
      tables: [table],
      body: html`${backLink('/portal/publisher/payouts', 'All payouts')}${facts([
        ['Amount', money(payout.amount, payout.currency)], ['Status', badge(payout.status)], ['Scheduled', time(payout.createdAt)],
        ['Paid', time(payout.paidAt)], ['Note', payout.note],
      ])}<h2>Ledger entries of this payout</h2>${tableHtml(req, table)}`,
    }
  }))

  async function periodsOf(payouts: Payout[]): Promise<Map<string, string>> {
    const batches = await Promise.all([...new Set(payouts.map((p) => p.batchId))].map((id) => storage.payouts.getBatch(id)))
    return new Map(batches.filter((b) => b !== null).map((b) => [b.id, b.period]))
  }

  return router
}

/** One earnings chart per currency over the period's days. */
function earningsFigures(period: Period, earnings: DailyEarnings[], currencies: string[]): Html[] {
  const days = daysBetween(period.from, period.to)
  return currencies.map((currency) =>
    html`<figure>${earningsChart(`earnings-${currency}`, days, new Map(earnings.filter((e) => e.currency === currency).map((e) => [e.day, e.amount])), currency)}</figure>`)
}

/** Sub-ids from a query or form: at most 100 characters each, no control characters (else left out). */
function subsOf(source: Record<string, unknown>): Partial<Record<(typeof subNames)[number], string>> {
  const subs: Partial<Record<(typeof subNames)[number], string>> = {}
  for (const name of subNames) {
    const value = source[name]
    if (typeof value !== 'string') continue
    const text = value.trim()
    if (text.length > 100 || /[\u0000-\u001f\u007f]/.test(text)) throw new AppError(400, 'invalid', `${name} must be at most 100 characters of text`, name)
    if (text) subs[name] = text
  }
  return subs
}

/** The statistics table: a row per group, each metric with the previous period's value and the change. */
function statsTable(rows: ReportRow[], currencies: string[], by: StatsDimension, total: { now: Metrics; before: Metrics }): Table<ReportRow> {
  const compared = (now: number | null, before: number | null, show: (n: number) => string) =>
    html`${now === null ? '—' : show(now)}<span class="prev">prev ${before === null ? '—' : show(before)}${now !== null && before !== null ? ` · ${change(now, before)}` : ''}</span>`
  const metric = (label: string, get: (m: Metrics) => number | null, show: (n: number) => string, csv: (n: number) => string | number = (n) => n): Column<ReportRow>[] => [
    { label, value: (r) => nullable(get(r.now), csv), cell: (r) => compared(get(r.now), get(r.before), show), numeric: true },
    // CSV has the previous period in columns of its own; the page shows it under each value.
    { label: `${label}, previous period`, value: (r) => nullable(get(r.before), csv), numeric: true, csvOnly: true },
  ]
  const conversionRate = (m: Metrics) => (m.uniqueClicks > 0 ? Math.round((m.conversions * 10_000) / m.uniqueClicks) : null)
  const columns: Column<ReportRow>[] = [
    { label: dimensions.find(([d]) => d === by)![1], value: (r: ReportRow) => r.label },
    ...metric('Clicks', (m) => m.clicks, count),
    ...metric('Unique clicks', (m) => m.uniqueClicks, count),
    ...metric('Conversions', (m) => m.conversions, count),
    ...metric('Conversion rate', conversionRate, (bp) => `${(bp / 100).toFixed(2)} %`, (bp) => (bp / 100).toFixed(2)),
    ...currencies.flatMap((currency) => [
      ...metric(`EPC ${currency}`, (m) => epc(m, currency), (n) => money(n, currency), (n) => amountValue(n, currency)),
      ...metric(`Commission ${currency}`, (m) => m.commission[currency] ?? 0, (n) => money(n, currency), (n) => amountValue(n, currency)),
    ]),
  ]
  const footer = [
    'Total', count(total.now.clicks), count(total.now.uniqueClicks), count(total.now.conversions), rate(total.now.conversions, total.now.uniqueClicks) ?? '—',
    ...currencies.flatMap((c) => { const e = epc(total.now, c); return [e === null ? '—' : money(e, c), money(total.now.commission[c] ?? 0, c)] }),
  ]
  return { name: 'stats', caption: 'Statistics for the period', rows, columns, footer, empty: 'No clicks or conversions in this period.' }
}

const nullable = (v: number | null, format: (n: number) => string | number) => (v === null ? null : format(v))
