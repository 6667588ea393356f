// The advertiser's request log: every tracking request that concerned it, with outcome and reason.
import { Router } from 'express'
import { z } from 'zod'
import { AppError, badRequest } from '../../errors.js'
import { checkRange, idString, parse } from '../../validation.js'
import type { RequestLogEntry } from '../../storage/types.js'
import { badge, time } from '../format.js'
import { html } from '../html.js'
import { input, queryValue, select, userOf, view, type PortalContext } from '../kit.js'
import { errorBox } from '../layout.js'
import { periodOf } from '../period.js'
import { tableHtml, type Table } from '../tables.js'

const logQuery = z.object({
  trackingCodeId: idString.optional(),
  outcome: z.enum(['accepted', 'rejected']).optional(),
  reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'must be a reason code such as no_click' }).optional(),
})

export function requestLogPages(ctx: PortalContext): Router {
  const { storage } = ctx.services
  const router = Router()

  router.get('/request-log', view(ctx, async (req) => {
    const { account } = userOf(req)
    const choice = periodOf(req, 7, 92)
    const codes = await storage.trackingCodes.listByAdvertiser(account.id)
    let error: AppError | undefined = choice.error
    let q: z.output<typeof logQuery> = {}
    try {
      q = parse(logQuery, { trackingCodeId: queryValue(req, 'trackingCodeId'), outcome: queryValue(req, 'outcome'), reason: queryValue(req, 'reason') })
      if (q.trackingCodeId && !codes.some((t) => t.id === q.trackingCodeId)) throw badRequest('trackingCodeId', 'that is not one of your tracking codes')
      checkRange(choice.period.from, choice.period.to)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      error ??= e
      q = {}
    }
    const query = { advertiserId: account.id, trackingCodeId: q.trackingCodeId, outcome: q.outcome, reason: q.reason, from: choice.period.from, to: choice.period.to }
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
${select({ name: 'trackingCodeId', label: 'Tracking code', value: q.trackingCodeId ?? '', options: [['', 'Any'], ...codes.map((t) => [t.id, t.name] as const)] })}
${select({ name: 'outcome', label: 'Outcome', value: q.outcome ?? '', options: [['', 'Any'], ['accepted', 'Accepted'], ['rejected', 'Rejected']] })}
${input({ name: 'reason', label: 'Reason', value: q.reason ?? '', hint: 'e.g. no_click' })}
${input({ name: 'from', label: 'From', type: 'date', value: choice.from })}${input({ name: 'to', label: 'To (inclusive)', type: 'date', value: choice.to })}
<button type="submit">Filter</button></form>${tableHtml(req, table)}`,
    }
  }))

  return router
}
