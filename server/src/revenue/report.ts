// The revenue report: its shape, how it is assembled from the storage's grouped sums, and its copy (text) and
// CSV forms. Money stays integer minor units of the report currency until it is written out.
import { csvField } from '../csv.js'
import { formatAmount } from '../money.js'
import type { Channel, ChannelRules, EarningsGroup, RevenueGroup } from '../storage/types.js'
import { saleFormula } from './settings.js'

export type ReportView = 'advertiser' | 'shop'

export interface CampaignRevenue {
  campaignId: string
  name: string
  /** The campaign's advertiser (whose orders these are). */
  advertiserId: string
  advertiserName: string
  /** The channels of the messages its purchases belong to. */
  channels: Channel[]
  purchases: number
  /** Rounded to the minor unit; null without purchases. */
  averageCheck: number | null
  revenue: number
  /** Purchases that belong to messages with an excluded tag: listed, not counted. */
  excluded: { purchases: number; revenue: number }
  /** Shop view: what the shop earned from this campaign's offers in its messages (commissions). */
  earned: number | null
  /** The rule in words, under the advertiser's settings. */
  formula: string
}

export interface RevenueReport {
  view: ReportView
  accountId: string
  /** Orders placed in [from, to). */
  from: Date
  to: Date
  currency: string
  excludedTags: string[]
  /** Orders of the period still to be re-attributed after a settings change (a job is at it); 0 normally. */
  pending: number
  totals: { campaigns: number; purchases: number; averageCheck: number | null; revenue: number; earned: number | null }
  campaigns: CampaignRevenue[]
}

export interface CampaignInfo {
  name: string
  advertiserId: string
  advertiserName: string
  rules: ChannelRules
}

const average = (revenue: number, purchases: number) => (purchases > 0 ? Math.round(revenue / purchases) : null)

/**
 * Folds the storage's groups (campaign × channel × exclusion) and, for a shop, its earnings into one line per
 * campaign, biggest revenue first.
 */
export function assemble(
  base: Pick<RevenueReport, 'view' | 'accountId' | 'from' | 'to' | 'currency' | 'excludedTags' | 'pending'>,
  groups: RevenueGroup[],
  earnings: EarningsGroup[],
  info: Map<string, CampaignInfo>,
): RevenueReport {
  const lines = new Map<string, { channels: Set<Channel>; purchases: number; revenue: number; excluded: { purchases: number; revenue: number }; earned: number }>()
  const line = (campaignId: string) => {
    let l = lines.get(campaignId)
    if (!l) lines.set(campaignId, (l = { channels: new Set(), purchases: 0, revenue: 0, excluded: { purchases: 0, revenue: 0 }, earned: 0 }))
    return l
  }
  for (const g of groups) {
    const l = line(g.campaignId)
    l.channels.add(g.channel)
    if (g.excluded) {
      l.excluded.purchases += g.purchases
      l.excluded.revenue += g.revenue
    } else {
      l.purchases += g.purchases
      l.revenue += g.revenue
    }
  }
  for (const e of earnings) line(e.campaignId).earned += e.earned
  const shop = base.view === 'shop'
  const campaigns: CampaignRevenue[] = [...lines].map(([campaignId, l]) => {
    const i = info.get(campaignId)
    const channels = [...l.channels].sort()
    return {
      campaignId,
      name: i?.name ?? campaignId,
      advertiserId: i?.advertiserId ?? '',
      advertiserName: i?.advertiserName ?? '',
      channels,
      purchases: l.purchases,
      averageCheck: average(l.revenue, l.purchases),
      revenue: l.revenue,
      excluded: l.excluded,
      earned: shop ? l.earned : null,
      formula: i ? saleFormula(i.rules, channels.length ? channels : ['email']) : '',
    }
  }).sort((a, b) => b.revenue - a.revenue || b.purchases - a.purchases || a.name.localeCompare(b.name) || a.campaignId.localeCompare(b.campaignId))
  const purchases = campaigns.reduce((n, c) => n + c.purchases, 0)
  const revenue = campaigns.reduce((n, c) => n + c.revenue, 0)
  return {
    ...base,
    totals: {
      campaigns: campaigns.length, purchases, averageCheck: average(revenue, purchases), revenue,
      earned: shop ? campaigns.reduce((n, c) => n + (c.earned ?? 0), 0) : null,
    },
    campaigns,
  }
}

/** "2025-01-01 – 2025-01-31" for whole UTC days (the end is exclusive), ISO date-times otherwise. */
export function periodText(from: Date, to: Date): string {
  const midnight = (d: Date) => d.getTime() % 86_400_000 === 0
  if (midnight(from) && midnight(to)) {
    return `${from.toISOString().slice(0, 10)} – ${new Date(to.getTime() - 86_400_000).toISOString().slice(0, 10)}`
  }
  return `${from.toISOString()} – ${to.toISOString()} (end excluded)`
}

export const viewName = (view: ReportView) => (view === 'shop' ? 'messages sent in your name' : 'your orders')

interface Column {
  title: string
  value(c: CampaignRevenue): string
  total(r: RevenueReport): string
  /** Free text (names, formulas) from users: guarded against spreadsheet formula injection in CSV. */
  text?: boolean
}

function columns(r: RevenueReport): Column[] {
  const money = (amount: number | null) => (amount === null ? '' : formatAmount(amount, r.currency))
  const cur = r.currency
  const shop = r.view === 'shop'
  return [
    { title: 'Campaign', value: (c) => c.name, total: () => `All campaigns (${r.totals.campaigns})`, text: true },
    { title: 'Campaign ID', value: (c) => c.campaignId, total: () => '' },
    ...(shop ? [{ title: 'Advertiser', value: (c: CampaignRevenue) => c.advertiserName, total: () => '', text: true }] : []),
    { title: 'Purchases', value: (c) => String(c.purchases), total: () => String(r.totals.purchases) },
    { title: `Average check (${cur})`, value: (c) => money(c.averageCheck), total: () => money(r.totals.averageCheck) },
    { title: `Revenue (${cur})`, value: (c) => money(c.revenue), total: () => money(r.totals.revenue) },
    ...(shop ? [{ title: `Earned (${cur})`, value: (c: CampaignRevenue) => money(c.earned), total: () => money(r.totals.earned) }] : []),
    { title: 'Excluded purchases', value: (c) => String(c.excluded.purchases), total: () => String(r.campaigns.reduce((n, c) => n + c.excluded.purchases, 0)) },
    {
      title: `Excluded revenue (${cur})`, value: (c) => money(c.excluded.revenue),
      total: () => money(r.campaigns.reduce((n, c) => n + c.excluded.revenue, 0)),
    },
    { title: 'Sale formula', value: (c) => c.formula, total: () => '', text: true },
  ]
}

/** One header row (amount columns name the currency), one row per campaign, a total row; CRLF line ends. */
export function reportCsv(r: RevenueReport): string {
  const cols = columns(r)
  const rows = [
    cols.map((c) => csvField(c.title)),
    ...r.campaigns.map((campaign) => cols.map((c) => csvField(c.value(campaign), c.text))),
    cols.map((c) => csvField(c.total(r), c.text)),
  ]
  return rows.map((row) => row.join(',')).join('\r\n') + '\r\n'
}

/** For the clipboard: a summary, then the table tab-separated, so it pastes into a spreadsheet as cells. */
export function reportText(r: RevenueReport): string {
  const money = (amount: number | null) => (amount === null ? '—' : `${formatAmount(amount, r.currency)} ${r.currency}`)
  const cell = (v: string) => v.replace(/[\t\r\n]+/g, ' ')
  const cols = columns(r)
  const lines = [
    `Revenue from campaigns (${viewName(r.view)}), ${periodText(r.from, r.to)}, in ${r.currency}`,
    `Campaigns: ${r.totals.campaigns}`,
    `Purchases: ${r.totals.purchases}`,
    `Average check: ${money(r.totals.averageCheck)}`,
    `Revenue: ${money(r.totals.revenue)}`,
    ...(r.totals.earned === null ? [] : [`Earned: ${money(r.totals.earned)}`]),
    ...(r.excludedTags.length ? [`Messages tagged ${r.excludedTags.join(', ')} are listed but earn no revenue.`] : []),
    ...(r.pending ? [`Still being re-attributed after a settings change: ${r.pending} orders.`] : []),
    '',
    cols.map((c) => c.title).join('\t'),
    ...r.campaigns.map((campaign) => cols.map((c) => cell(c.value(campaign))).join('\t')),
  ]
  return lines.join('\n') + '\n'
}

export { csvField }
