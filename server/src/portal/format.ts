// How values read on the pages: money as grouped decimals with the ISO currency, times in UTC.
import { formatAmount } from '../money.js'
import { html, type Html } from './html.js'

/** 123456 EUR → "1,234.56 EUR": exact (no float), grouped by thousands. */
export function money(amount: number, currency: string): string {
  const [whole = '0', fraction] = formatAmount(amount, currency).replace('-', '').split('.')
  return `${amount < 0 ? '−' : ''}${count(Number(whole))}${fraction === undefined ? '' : `.${fraction}`} ${currency}`
}

/** 2025-01-31 14:05 (UTC). */
const dateTimeText = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ')
export const dateText = (d: Date) => d.toISOString().slice(0, 10)

/** A time element: readable text, machine-readable datetime. */
export const time = (d: Date | null, withTime = true): Html | string =>
  d ? html`<time datetime="${d.toISOString()}">${withTime ? dateTimeText(d) : dateText(d)}</time>` : '—'

/** 1234 → "1,234". */
export const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** part/whole as a percentage with two decimals, or null when whole is 0. */
export const rate = (part: number, whole: number): string | null => (whole > 0 ? `${((part * 100) / whole).toFixed(2)} %` : null)

/** The change from `before` to `now`: "+20 %", "−5 %", "new" or "no change". */
export function change(now: number, before: number): string {
  if (now === before) return 'no change'
  if (before === 0) return 'new'
  const pct = Math.round(((now - before) * 100) / Math.abs(before))
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct)} %`
}

/** Status words as badges (colour is never the only cue: the word is always there). */
export const badge = (status: string) => html`<span class="badge badge-${status.replace(/[^a-z_]/g, '')}">${status.replace('_', ' ')}</span>`
