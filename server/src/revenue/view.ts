// The revenue report as HTML: pure functions from data to an escaped fragment, for the portal to mount in its
// own pages (and for the standalone page GET /api/v1/revenue/report.html). No script in the fragment: a
// "Copy" button carries `data-copy` naming the textarea with the copy text; the script file /assets/copy.js
// (server/src/assets/copy.js) wires such buttons on the standalone page, the portal's portal.js in the portal.
import { escapeHtml } from '../html.js'
import { copyScriptUrl, shell } from '../page.js'
import { formatAmount } from '../money.js'
import type { RevenueSettings } from '../storage/types.js'
import { periodText, reportText, viewName, type RevenueReport } from './report.js'
import { channels, linkingEvents, saleFormula, windowUnits } from './settings.js'

export interface ReportViewOptions {
  /** Where "Export CSV" points (the same period); omitted: no link. */
  csvUrl?: string
  /** A GET form to choose the period: its action, and hidden fields to keep (e.g. `as`). */
  periodForm?: { action: string; hidden?: Record<string, string> }
}

const e = escapeHtml

function money(amount: number | null, currency: string): string {
  return amount === null ? '—' : `${e(formatAmount(amount, currency))}&nbsp;${e(currency)}`
}

const dateInput = (d: Date) => d.toISOString().slice(0, 10)

/** The report: totals, one row per campaign with its sale formula, CSV export and copy. */
export function renderRevenueReport(r: RevenueReport, options: ReportViewOptions = {}): string {
  const shop = r.view === 'shop'
  const t = r.totals
  const tiles: [string, string][] = [
    ['Campaigns', String(t.campaigns)],
    ['Purchases', String(t.purchases)],
    ['Average check', money(t.averageCheck, r.currency)],
    ['Revenue from campaigns', money(t.revenue, r.currency)],
    ...(shop ? [['Earned by you', money(t.earned, r.currency)] as [string, string]] : []),
  ]
  const head = ['Campaign', ...(shop ? ['Advertiser'] : []), 'Purchases', 'Average check', 'Revenue', ...(shop ? ['Earned'] : []), 'Excluded']
  const rows = r.campaigns.map((c) => `<tr>
<td><strong>${e(c.name)}</strong><br><small class="revenue-formula">${e(c.formula)}</small></td>
${shop ? `<td>${e(c.advertiserName)}</td>` : ''}<td class="num">${c.purchases}</td><td class="num">${money(c.averageCheck, r.currency)}</td>
<td class="num">${money(c.revenue, r.currency)}</td>${shop ? `<td class="num">${money(c.earned, r.currency)}</td>` : ''}
<td class="num">${c.excluded.purchases ? `${c.excluded.purchases} (${money(c.excluded.revenue, r.currency)})` : '—'}</td>
</tr>`).join('\n')
  const period = options.periodForm
    ? `<form class="revenue-period" method="get" action="${e(options.periodForm.action)}">
${Object.entries(options.periodForm.hidden ?? {}).map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`).join('')}
<label>From <input type="date" name="from" value="${e(dateInput(r.from))}" required></label>
<label>To <input type="date" name="to" value="${e(dateInput(new Date(r.to.getTime() - 1)))}" required></label>
<button type="submit">Show</button></form>`
    : ''
  const textId = `revenue-copy-${r.view}`
  return `<section class="revenue-report" data-view="${e(r.view)}">
<p class="revenue-period-text">${e(periodText(r.from, r.to))} · ${e(viewName(r.view))} · orders in ${e(r.currency)}; cancelled and refunded orders do not count.</p>
${period}
<dl class="revenue-totals">${tiles.map(([label, value]) => `<div><dt>${e(label)}</dt><dd>${value}</dd></div>`).join('')}</dl>
${r.pending ? `<p class="revenue-pending" role="status">The settings changed: ${r.pending} orders of this period are still being matched to messages under them. The figures will update within minutes.</p>` : ''}
${r.excludedTags.length ? `<p class="revenue-excluded">Messages tagged ${r.excludedTags.map((tag) => `<code>${e(tag)}</code>`).join(', ')} are listed but earn no revenue.</p>` : ''}
<table class="revenue-campaigns"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>
<tbody>${rows || `<tr><td colspan="${head.length}">No purchases belong to a message in this period.</td></tr>`}</tbody></table>
<p class="revenue-actions">${options.csvUrl ? `<a href="${e(options.csvUrl)}" download>Export CSV</a> ` : ''}<button type="button" data-copy="${textId}">Copy</button></p>
<details class="revenue-copy"><summary>Report as text</summary><textarea id="${textId}" readonly rows="8" cols="80">${e(reportText(r))}</textarea></details>
</section>`
}

/** The settings in force, in words. */
export function renderRevenueSettings(s: RevenueSettings): string {
  return `<section class="revenue-settings"><dl>
${channels.map((c) => `<div><dt>${e(c === 'sms' ? 'SMS' : 'Email')}</dt><dd>${e(saleFormula(s.channels, [c]))}</dd></div>`).join('\n')}
<div><dt>Order currency</dt><dd>${e(s.currency)} (orders in other currencies do not count)</dd></div>
<div><dt>Excluded tags</dt><dd>${s.excludedTags.length ? s.excludedTags.map((t) => `<code>${e(t)}</code>`).join(', ') : 'none'}</dd></div>
</dl></section>`
}

/**
 * A form for the settings, posting `channels.email.event`, `channels.email.window`, `channels.email.unit` (per
 * channel), `currency` and `excludedTags` (comma-separated): parseSettingsForm turns that into a settings patch.
 */
export function renderRevenueSettingsForm(s: RevenueSettings, options: { action: string; hidden?: Record<string, string> }): string {
  const select = (name: string, values: readonly string[], current: string) =>
    `<select name="${e(name)}">${values.map((v) => `<option value="${e(v)}"${v === current ? ' selected' : ''}>${e(v)}</option>`).join('')}</select>`
  const fieldsets = channels.map((c) => `<fieldset><legend>${c === 'sms' ? 'SMS' : 'Email'}</legend>
<label>Event that links a message to a sale ${select(`channels.${c}.event`, linkingEvents, s.channels[c].event)}</label>
<label>Time between event and sale <input type="number" name="channels.${c}.window" min="1" max="2160" value="${s.channels[c].window}" required></label>
${select(`channels.${c}.unit`, windowUnits, s.channels[c].unit)}</fieldset>`).join('\n')
  return `<form class="revenue-settings-form" method="post" action="${e(options.action)}">
${Object.entries(options.hidden ?? {}).map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`).join('')}
${fieldsets}
<label>Order currency <input name="currency" value="${e(s.currency)}" size="3" maxlength="3" pattern="[A-Za-z]{3}" required></label>
<label>Excluded tags (comma-separated) <input name="excludedTags" value="${e(s.excludedTags.join(', '))}"></label>
<button type="submit">Save</button></form>`
}

/** The fields of renderRevenueSettingsForm, as a patch for PATCH /revenue/settings (validated there). */
export function parseSettingsForm(body: Record<string, unknown>): Record<string, unknown> {
  const str = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : undefined)
  const patch: Record<string, unknown> = {}
  const rules: Record<string, unknown> = {}
  for (const c of channels) {
    const rule: Record<string, unknown> = {}
    const event = str(`channels.${c}.event`)
    const window = str(`channels.${c}.window`)
    const unit = str(`channels.${c}.unit`)
    if (event) rule.event = event
    if (window) rule.window = /^\d{1,6}$/.test(window) ? Number(window) : window
    if (unit) rule.unit = unit
    if (Object.keys(rule).length) rules[c] = rule
  }
  if (Object.keys(rules).length) patch.channels = rules
  const currency = str('currency')
  if (currency) patch.currency = currency
  const tags = str('excludedTags')
  if (tags !== undefined) patch.excludedTags = tags.split(',').map((t) => t.trim()).filter(Boolean)
  return patch
}

/** A whole page around the report (the standalone view; the portal mounts renderRevenueReport in its own layout), in the one shell: its copy button is wired by the script file /assets/copy.js. */
export function revenuePage(r: RevenueReport, settings: RevenueSettings, options: ReportViewOptions = {}): string {
  return shell({
    title: 'Revenue from campaigns', bodyClass: 'report', scripts: [copyScriptUrl],
    body: `<h1>Revenue from campaigns</h1>
${renderRevenueReport(r, options)}
<h2>Settings</h2>
${renderRevenueSettings(settings)}`,
  })
}
