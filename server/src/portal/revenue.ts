// Revenue from campaigns (F7) in the advertiser's portal: the report of server/src/revenue/view.ts mounted in
// the portal's layout, with its CSV export and copy text, and the settings form. A shop (an account that is
// also a publisher) chooses between its own orders and what the messages sent in its name brought.
import { Router, type Request } from 'express'
import { AppError } from '../errors.js'
import { parse } from '../validation.js'
import { reportCsv, type ReportView } from '../revenue/report.js'
import { settingsPatch } from '../revenue/settings.js'
import { parseSettingsForm, renderRevenueReport, renderRevenueSettings, renderRevenueSettingsForm } from '../revenue/view.js'
import { html, Html } from './html.js'
import { formPost, queryValue, redirect, userOf, view, type FormState, type PortalContext } from './kit.js'
import { errorBox, type Page } from './layout.js'
import { periodOf } from './period.js'

export function revenueRoutes(ctx: PortalContext): Router {
  const { revenue } = ctx.services
  const router = Router()

  function viewOf(req: Request): ReportView {
    const shop = userOf(req).account.roles.includes('publisher')
    return shop && queryValue(req, 'view') === 'shop' ? 'shop' : 'advertiser'
  }

  async function reportOf(req: Request) {
    const choice = periodOf(req)
    const r = await revenue.report(userOf(req).account, viewOf(req), choice.period.from, choice.period.to)
    return { choice, r }
  }

  async function revenuePage(req: Request, state?: FormState): Promise<Page> {
    const { account, session } = userOf(req)
    const { choice, r } = await reportOf(req)
    const query = new URLSearchParams({ from: choice.from, to: choice.to, view: r.view })
    const settings = await revenue.settingsOf(account.id)
    const views = account.roles.includes('publisher')
      ? html`<nav aria-label="Report"><p>${r.view === 'advertiser' ? html`<strong>Your orders</strong>` : html`<a href="/portal/advertiser/revenue?view=advertiser">Your orders</a>`} ·
${r.view === 'shop' ? html`<strong>Messages sent in your name</strong>` : html`<a href="/portal/advertiser/revenue?view=shop">Messages sent in your name</a>`}</p></nav>`
      : ''
    // The revenue view escapes every value itself (server/src/revenue/view.ts), like this portal's templates.
    const report = new Html(renderRevenueReport(r, { csvUrl: `/portal/advertiser/revenue.csv?${query}`, periodForm: { action: '/portal/advertiser/revenue', hidden: { view: r.view } } }))
    const form = new Html(renderRevenueSettingsForm(settings, { action: '/portal/advertiser/revenue/settings', hidden: { _csrf: session.csrfToken } }))
    return {
      title: 'Revenue from campaigns',
      status: choice.error ? 400 : 200,
      body: html`${views}${errorBox(choice.error)}${report}
<section aria-labelledby="revenue-settings-heading"><h2 id="revenue-settings-heading">Settings</h2>${new Html(renderRevenueSettings(settings))}
${errorBox(state?.error)}${form}</section>`,
    }
  }

  router.get('/revenue', view(ctx, (req) => revenuePage(req)))

  router.get('/revenue.csv', async (req, res) => {
    const { r } = await reportOf(req)
    const day = (d: Date) => d.toISOString().slice(0, 10)
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="revenue-${r.view}-${day(r.from)}-${day(new Date(r.to.getTime() - 1))}.csv"` })
    res.send(reportCsv(r))
  })

  router.post('/revenue/settings', formPost(ctx, async (req, res) => {
    const patch = parse(settingsPatch, parseSettingsForm(req.body as Record<string, unknown>))
    if (Object.keys(patch).length === 0) throw new AppError(400, 'invalid', 'change at least one setting', 'currency')
    await revenue.updateSettings(userOf(req).account, patch)
    redirect(res, '/portal/advertiser/revenue', 'revenue-settings-saved')
  }, revenuePage))

  return router
}
