// Revenue from campaigns: the account's settings (GET, PATCH) and the report for a period as JSON, CSV, copy
// text and a standalone HTML page. `as=advertiser` (the account's own orders) or `as=publisher` (what the
// messages sent in its name brought the advertisers, and earned it).
import { Router, type Request } from 'express'
import { z } from 'zod'
import type { Services } from '../services.js'
import type { Channel, RevenueSettings } from '../storage/types.js'
import { reportCsv, reportText, type RevenueReport } from '../revenue/report.js'
import { channels, saleFormula, settingsPatch } from '../revenue/settings.js'
import { revenuePage } from '../revenue/view.js'
import { csp } from '../page.js'
import { accountOf } from './auth.js'
import { money, requireJson } from './json.js'
import type { RevenueReport as RevenueReportJson, RevenueSettings as RevenueSettingsJson } from './schemas.js'
import { checkRange, isoDate, parse, side, sideOf } from '../validation.js'

export const reportQuery = z.object({ as: side, from: isoDate(false), to: isoDate(true) })
/** Without a period: the last 30 whole days (UTC), today included. */
const defaultDays = 30

function settingsJson(s: RevenueSettings & { stored?: boolean }): z.output<typeof RevenueSettingsJson> {
  const channel = (c: Channel) => ({ ...s.channels[c], formula: saleFormula(s.channels, [c]) })
  return {
    channels: { email: channel('email'), sms: channel('sms') } satisfies Record<(typeof channels)[number], unknown>,
    currency: s.currency,
    excludedTags: s.excludedTags,
    version: s.version,
    isDefault: s.stored === false,
    updatedAt: s.stored === false ? null : s.updatedAt,
  }
}

function reportJson(r: RevenueReport): z.output<typeof RevenueReportJson> {
  const m = (amount: number) => money(amount, r.currency)
  const orNull = (amount: number | null) => (amount === null ? null : m(amount))
  const shop = r.view === 'shop'
  return {
    view: r.view, from: r.from, to: r.to, currency: r.currency, excludedTags: r.excludedTags, pending: r.pending,
    totals: {
      campaigns: r.totals.campaigns, purchases: r.totals.purchases, averageCheck: orNull(r.totals.averageCheck), revenue: m(r.totals.revenue),
      ...(shop && { earned: orNull(r.totals.earned) }),
    },
    campaigns: r.campaigns.map((c) => ({
      campaignId: c.campaignId, name: c.name, advertiserId: c.advertiserId, advertiserName: c.advertiserName, channels: c.channels,
      purchases: c.purchases, averageCheck: orNull(c.averageCheck), revenue: m(c.revenue),
      excluded: { purchases: c.excluded.purchases, revenue: m(c.excluded.revenue) },
      ...(shop && { earned: orNull(c.earned) }), formula: c.formula,
    })),
  }
}

export function revenueRoutes(services: Services): Router {
  const { revenue } = services
  const router = Router()

  router.get('/revenue/settings', async (req, res) => {
    res.json({ settings: settingsJson(await revenue.settingsOf(accountOf(req).id)) })
  })

  router.patch('/revenue/settings', requireJson, async (req, res) => {
    const account = accountOf(req)
    await revenue.updateSettings(account, parse(settingsPatch, req.body))
    res.json({ settings: settingsJson(await revenue.settingsOf(account.id)) })
  })

  async function reportOf(req: Request): Promise<RevenueReport> {
    const account = accountOf(req)
    const q = parse(reportQuery, req.query)
    const tomorrow = Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000
    const to = q.to ?? new Date(tomorrow)
    const from = q.from ?? new Date(to.getTime() - defaultDays * 86_400_000)
    checkRange(from, to)
    return revenue.report(account, sideOf(account.roles, q.as) === 'advertiser' ? 'advertiser' : 'shop', from, to)
  }
  const fileName = (r: RevenueReport) =>
    `revenue-${r.view}-${r.from.toISOString().slice(0, 10)}-${new Date(r.to.getTime() - 1).toISOString().slice(0, 10)}-${r.currency}.csv`

  router.get('/revenue/report', async (req, res) => {
    res.json({ report: reportJson(await reportOf(req)) })
  })

  router.get('/revenue/report.csv', async (req, res) => {
    const r = await reportOf(req)
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${fileName(r)}"` }).send(reportCsv(r))
  })

  router.get('/revenue/report.txt', async (req, res) => {
    res.type('text/plain; charset=utf-8').send(reportText(await reportOf(req)))
  })

  router.get('/revenue/report.html', async (req, res) => {
    const r = await reportOf(req)
    const query = new URLSearchParams({ from: r.from.toISOString(), to: r.to.toISOString(), as: r.view === 'shop' ? 'publisher' : 'advertiser' })
    res.set('Content-Security-Policy', csp)
      .type('html').send(revenuePage(r, await revenue.settingsOf(accountOf(req).id), { csvUrl: `report.csv?${query}` }))
  })

  return router
}
