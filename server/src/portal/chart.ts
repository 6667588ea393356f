// Earnings over time as a server-rendered SVG bar chart: no script, no library, readable by screen readers
// (a title and a summary; the page also offers the numbers as a table).
import { formatAmount } from '../money.js'
import { dateText, money } from './format.js'
import { html, type Html } from './html.js'

/** Every UTC day from `from` (inclusive) to `to` (exclusive), as YYYY-MM-DD. */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = []
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t < to.getTime(); t += 86_400_000) {
    days.push(dateText(new Date(t)))
  }
  return days
}

const width = 720
const height = 220
const pad = { left: 70, right: 8, top: 14, bottom: 30 }
const fixed = (n: number) => n.toFixed(1)

/** A bar per day of `days` (missing days are 0), in minor units of `currency`. */
export function earningsChart(id: string, days: string[], amounts: Map<string, number>, currency: string): Html {
  const values = days.map((d) => amounts.get(d) ?? 0)
  const max = Math.max(0, ...values)
  const min = Math.min(0, ...values)
  // Without any earnings the zero line sits at the bottom, where it would be with positive ones.
  const ceiling = max === 0 && min === 0 ? 1 : max
  const range = ceiling - min
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const y = (v: number) => pad.top + ((ceiling - v) / range) * plotH
  const step = plotW / Math.max(days.length, 1)
  const barW = Math.max(step * 0.7, 1)
  const bars = values.map((v, i) => {
    if (v === 0) return ''
    const top = Math.min(y(v), y(0))
    return html`<rect class="${v < 0 ? 'bar bar-negative' : 'bar'}" x="${fixed(pad.left + i * step + (step - barW) / 2)}" y="${fixed(top)}" width="${fixed(barW)}" height="${fixed(Math.max(Math.abs(y(v) - y(0)), 1))}"><title>${days[i]}: ${money(v, currency)}</title></rect>`
  })
  const label = (v: number) => formatAmount(v, currency)
  const ticks = [...new Set([max, 0, min])].map((v) => html`<text class="axis-label" x="${pad.left - 6}" y="${fixed(y(v) + 4)}" text-anchor="end">${label(v)}</text>`)
  const dayLabels = days.length === 0 ? [] : [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])].map((i) => {
    const anchor = i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'
    const x = i === 0 ? pad.left : i === days.length - 1 ? width - pad.right : pad.left + i * step + step / 2
    return html`<text class="axis-label" x="${fixed(x)}" y="${height - 8}" text-anchor="${anchor}">${days[i]}</text>`
  })
  const total = values.reduce((a, b) => a + b, 0)
  const best = values.reduce((bi, v, i) => (v > (values[bi] ?? 0) ? i : bi), 0)
  const summary = total === 0
    ? `No earnings from ${days[0] ?? ''} to ${days.at(-1) ?? ''}.`
    : `Net earnings ${money(total, currency)} from ${days[0]} to ${days.at(-1)}; best day ${days[best]} with ${money(values[best] ?? 0, currency)}.`
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMidYMid meet">
<title id="${id}-title">Earnings per day in ${currency}</title><desc id="${id}-desc">${summary}</desc>
<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${fixed(y(0))}" y2="${fixed(y(0))}"></line>
${ticks}${dayLabels}${bars}</svg><p class="chart-summary">${summary}</p>`
}
