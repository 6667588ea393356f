// Publisher statistics for a period, with the previous period of the same length beside them: clicks,
// unique clicks, conversions, conversion rate, EPC and commission per campaign or per sub-id. The store
// aggregates (two grouped queries per period); this joins them and names the groups.
import type { StatsDimension, Storage } from '../storage/types.js'
import { campaignNames } from '../names.js'

export interface Metrics {
  clicks: number
  uniqueClicks: number
  conversions: number
  /** Commission owed per commission currency, minor units. */
  commission: Record<string, number>
}

export interface ReportRow {
  key: string | null
  label: string
  now: Metrics
  before: Metrics
}

export interface Period {
  from: Date
  to: Date
}

export interface Report {
  period: Period
  previous: Period
  by: StatsDimension
  /** Every commission currency in either period. */
  currencies: string[]
  rows: ReportRow[]
  total: { now: Metrics; before: Metrics }
}

const empty = (): Metrics => ({ clicks: 0, uniqueClicks: 0, conversions: 0, commission: {} })

function add(into: Metrics, m: Partial<Metrics>): void {
  into.clicks += m.clicks ?? 0
  into.uniqueClicks += m.uniqueClicks ?? 0
  into.conversions += m.conversions ?? 0
  for (const [currency, amount] of Object.entries(m.commission ?? {})) into.commission[currency] = (into.commission[currency] ?? 0) + amount
}

/** Earnings per unique click, in minor units (rounded), or null without unique clicks. */
export const epc = (m: Metrics, currency: string): number | null => (m.uniqueClicks > 0 ? Math.round((m.commission[currency] ?? 0) / m.uniqueClicks) : null)

export async function publisherReport(storage: Storage, publisherId: string, period: Period, by: StatsDimension): Promise<Report> {
  const length = period.to.getTime() - period.from.getTime()
  const previous = { from: new Date(period.from.getTime() - length), to: period.from }
  const query = (p: Period) => ({ publisherId, from: p.from, to: p.to, by })
  const [traffic, conversions, trafficBefore, conversionsBefore] = await Promise.all([
    storage.stats.traffic(query(period)), storage.stats.conversions(query(period)),
    storage.stats.traffic(query(previous)), storage.stats.conversions(query(previous)),
  ])
  const rows = new Map<string | null, { now: Metrics; before: Metrics }>()
  const row = (key: string | null) => {
    let r = rows.get(key)
    if (!r) rows.set(key, (r = { now: empty(), before: empty() }))
    return r
  }
  for (const t of traffic) add(row(t.key).now, t)
  for (const t of trafficBefore) add(row(t.key).before, t)
  for (const c of conversions) add(row(c.key).now, { conversions: c.conversions, commission: { [c.currency]: c.commission } })
  for (const c of conversionsBefore) add(row(c.key).before, { conversions: c.conversions, commission: { [c.currency]: c.commission } })
  const names = by === 'campaign' ? await campaignNames(storage, rows.keys()) : new Map<string, string>()
  const label = (key: string | null) => (key === null ? (by === 'campaign' ? '(no campaign)' : '(no sub-id)') : names.get(key) ?? key)
  const total = { now: empty(), before: empty() }
  const list = [...rows].map(([key, r]) => {
    add(total.now, r.now)
    add(total.before, r.before)
    return { key, label: label(key), ...r }
  })
  list.sort((a, b) => b.now.clicks - a.now.clicks || b.now.conversions - a.now.conversions || a.label.localeCompare(b.label))
  const currencies = [...new Set([...conversions, ...conversionsBefore].map((c) => c.currency))].sort()
  return { period, previous, by, currencies, rows: list, total }
}
