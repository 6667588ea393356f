// The advertiser's conversions: the list with approve / decline, and each conversion's page with refunds
// (the conversions use-cases decide, as for the API).
import { Router, type Request } from 'express'
import { pathId } from '../../validation.js'
import type { Conversion } from '../../storage/types.js'
import { money } from '../format.js'
import { html, type Html } from '../html.js'
import { actionButton, csrfField, formPost, formValues, input, queryValue, redirect, select, userOf, view, type FormState, type PortalContext } from '../kit.js'
import { errorBox, type Page } from '../layout.js'
import { periodOf } from '../period.js'
import { tableHtml } from '../tables.js'
import { accountNames, campaignNames } from '../../names.js'
import { amountValue, backLink, conversionFacts, conversionStatuses, conversionTable, filterForm } from '../views.js'

export function conversionsPages(ctx: PortalContext): Router {
  const { storage, conversions } = ctx.services
  const router = Router()

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
    const c = await conversions.own(userOf(req).account.id, pathId(req, 'id', 'conversion'))
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
    const c = await conversions.approve(userOf(req).account.id, pathId(req, 'id', 'conversion'))
    redirect(res, backTo(req, c), 'approved')
  }, conversionPage))
  router.post('/conversions/:id/decline', formPost(ctx, async (req, res) => {
    const reason = formValues(req).reason?.trim().slice(0, 500) || undefined
    const c = await conversions.decline(userOf(req).account.id, pathId(req, 'id', 'conversion'), { reason })
    redirect(res, backTo(req, c), 'declined')
  }, conversionPage))
  router.post('/conversions/:id/refund', formPost(ctx, async (req, res) => {
    const v = formValues(req)
    const c = await conversions.refund(userOf(req).account.id, pathId(req, 'id', 'conversion'), {
      amount: v.amount?.trim() || undefined, kind: v.kind === 'chargeback' ? 'chargeback' : 'refund', reason: v.reason?.trim().slice(0, 500) || undefined,
    })
    redirect(res, `/portal/advertiser/conversions/${encodeURIComponent(c.id)}`, 'refunded')
  }, conversionPage))

  return router
}
