// The network operator's pages: accounts (approve, suspend, reactivate), all conversions, payout batches.
import { Router, type Request } from 'express'
import { notFound } from '../errors.js'
import { pathId } from '../validation.js'
import type { Account, AccountStatus, Payout, PayoutBatch } from '../storage/types.js'
import { badge, money, time } from './format.js'
import { html } from './html.js'
import { actionButton, csrfField, formPost, input, queryValue, redirect, userOf, view, type FormState, type PortalContext } from './kit.js'
import { errorBox, type Page } from './layout.js'
import { periodOf } from './period.js'
import { payoutMinimum, type DuePayout } from '../payouts/index.js'
import { tableHtml, type Table } from './tables.js'
import { accountNames, campaignNames } from '../names.js'
import { amountValue, backLink, conversionStatuses, conversionTable, facts, filterForm } from './views.js'

const transitions: Record<string, { to: AccountStatus; label: string; from: AccountStatus[] }> = {
  approve: { to: 'active', label: 'Approve', from: ['pending'] },
  suspend: { to: 'suspended', label: 'Suspend', from: ['active', 'pending'] },
  reactivate: { to: 'active', label: 'Reactivate', from: ['suspended'] },
}

/** The month before `now`, YYYY-MM: the period a batch usually pays. */
function lastMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  return d.toISOString().slice(0, 7)
}

export function adminRoutes(ctx: PortalContext): Router {
  const { storage, config } = ctx.services
  const { payouts } = ctx.services
  const router = Router()

  // ---------- accounts ----------
  async function accountsPage(req: Request, state?: FormState): Promise<Page> {
    const me = userOf(req).account
    const statusFilter = queryValue(req, 'status')
    const all = await storage.accounts.list()
    const rows = statusFilter ? all.filter((a) => a.status === statusFilter) : all
    const table: Table<Account> = {
      name: 'accounts', caption: 'Accounts', rows, empty: 'No accounts match.',
      columns: [
        { label: 'Name', value: (a) => a.name },
        { label: 'Email', value: (a) => a.email },
        { label: 'Roles', value: (a) => a.roles.join(' ') },
        { label: 'Status', value: (a) => a.status, cell: (a) => badge(a.status) },
        { label: 'Created', value: (a) => a.createdAt.toISOString(), cell: (a) => time(a.createdAt) },
        {
          label: 'Actions', value: () => null, pageOnly: true,
          cell: (a) => (a.id === me.id ? 'You' : html`<div class="actions">${Object.entries(transitions).filter(([, t]) => t.from.includes(a.status)).map(([name, t]) =>
            actionButton(req, `/portal/admin/accounts/${encodeURIComponent(a.id)}/${name}`, t.label, { kind: name === 'suspend' ? 'danger' : undefined, description: `${t.label} ${a.name}` }))}</div>`),
        },
      ],
    }
    const pending = all.filter((a) => a.status === 'pending').length
    return {
      title: 'Accounts', tables: [table],
      body: html`${errorBox(state?.error)}<p class="lead">${pending ? `${pending} account${pending === 1 ? '' : 's'} waiting for approval.` : 'No account is waiting for approval.'}
Suspending an account signs it out everywhere and stops its API keys.</p>
<form method="get" action="/portal/admin" class="inline"><div class="field"><label for="status">Status</label><select id="status" name="status">
${[['', 'Any'], ['pending', 'Pending'], ['active', 'Active'], ['suspended', 'Suspended']].map(([v, l]) => html`<option value="${v}"${v === (statusFilter ?? '') ? html` selected` : ''}>${l}</option>`)}
</select></div><button type="submit">Filter</button></form>${tableHtml(req, table)}`,
    }
  }

  router.get('/', view(ctx, (req) => accountsPage(req)))
  router.post('/accounts/:id/:action', formPost(ctx, async (req, res) => {
    const me = userOf(req).account
    const transition = transitions[String(req.params.action)]
    if (!transition) throw notFound('account')
    const account = await ctx.services.access.moveAccount(me.id, pathId(req, 'id', 'account'), transition.from, transition.to)
    if (transition.to !== 'active') await ctx.sessions.endAll(account.id)
    redirect(res, '/portal/admin', 'account-updated')
  }, accountsPage))

  // ---------- all conversions ----------
  router.get('/conversions', view(ctx, async (req) => {
    const choice = periodOf(req, 90)
    const statusText = queryValue(req, 'status')
    const status = conversionStatuses.find((s) => s === statusText)
    const query = { status, from: choice.period.from, to: choice.period.to }
    const rows = await storage.conversions.list({ ...query, limit: 200 })
    const [campaigns, accounts] = await Promise.all([
      campaignNames(storage, rows.map((c) => c.campaignId)), accountNames(storage, rows.flatMap((c) => [c.advertiserId, c.publisherId])),
    ])
    const table = conversionTable('conversions', 'All conversions, newest first', rows, campaigns, {
      allRows: () => storage.conversions.list({ ...query, limit: 100_000 }),
      extra: [
        { label: 'Advertiser', value: (c) => accounts.get(c.advertiserId) ?? c.advertiserId },
        { label: 'Publisher', value: (c) => (c.publisherId ? accounts.get(c.publisherId) ?? c.publisherId : null) },
      ],
    })
    return {
      title: 'All conversions', tables: [table], status: choice.error ? 400 : 200,
      body: html`${errorBox(choice.error)}${filterForm('/portal/admin/conversions', choice.from, choice.to, status)}${tableHtml(req, table)}`,
    }
  }))

  // ---------- payouts ----------
  async function payoutsPage(req: Request, state?: FormState): Promise<Page> {
    const [due, batches] = await Promise.all([payouts.due(), storage.payouts.listBatches(100)])
    const dueTable: Table<DuePayout> = {
      name: 'due', caption: 'Due for payout', rows: due, empty: 'No account has an approved balance at or above the minimum.',
      columns: [
        { label: 'Account', value: (d) => d.account.name },
        { label: 'Email', value: (d) => d.account.email },
        { label: 'Approved', value: (d) => amountValue(d.approved, d.currency), cell: (d) => money(d.approved, d.currency), numeric: true },
        { label: 'In earlier batches', value: (d) => amountValue(d.scheduled, d.currency), cell: (d) => money(d.scheduled, d.currency), numeric: true },
        { label: 'To pay', value: (d) => amountValue(d.payable, d.currency), cell: (d) => money(d.payable, d.currency), numeric: true },
        { label: 'Currency', value: (d) => d.currency },
      ],
    }
    const batchPayouts = await Promise.all(batches.map((b) => storage.payouts.listByBatch(b.id)))
    const totals = new Map(batches.map((b, i) => [b.id, batchPayouts[i]!]))
    const sum = (list: Payout[]) => {
      const byCurrency = new Map<string, number>()
      for (const p of list) if (p.status !== 'failed') byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0) + p.amount)
      return [...byCurrency].map(([c, a]) => money(a, c)).join(', ') || '—'
    }
    const batchTable: Table<PayoutBatch> = {
      name: 'batches', caption: 'Payout batches, newest first', rows: batches, empty: 'No payout batches yet.',
      columns: [
        { label: 'Period', value: (b) => b.period, cell: (b) => html`<a href="/portal/admin/payouts/${encodeURIComponent(b.id)}">${b.period}</a>` },
        { label: 'Status', value: (b) => b.status, cell: (b) => badge(b.status) },
        { label: 'Payouts', value: (b) => totals.get(b.id)?.length ?? 0, numeric: true },
        { label: 'Total', value: (b) => sum(totals.get(b.id) ?? []) },
        { label: 'Created', value: (b) => b.createdAt.toISOString(), cell: (b) => time(b.createdAt) },
        { label: 'Paid', value: (b) => b.paidAt?.toISOString() ?? null, cell: (b) => time(b.paidAt) },
      ],
    }
    return {
      title: 'Payouts', tables: [dueTable, batchTable],
      body: html`<p class="lead">Minimum payout: ${config.PAYOUT_MINIMUM} in each currency's units (${money(payoutMinimum(config.PAYOUT_MINIMUM, 'EUR'), 'EUR')}).
A batch pays every account listed below; marking it paid moves each payout from approved to paid in the ledger.</p>
${tableHtml(req, dueTable)}
<section aria-labelledby="batch-heading"><h2 id="batch-heading">Create the batch of a period</h2>${errorBox(state?.error)}
<form method="post" action="/portal/admin/payouts" class="inline">${csrfField(req)}
${input({ name: 'period', label: 'Period (month)', type: 'month', value: lastMonth(), state, hint: 'One batch per month, e.g. 2025-01', required: true })}
<button type="submit">Create payout batch</button></form></section>
${tableHtml(req, batchTable)}`,
    }
  }

  router.get('/payouts', view(ctx, (req) => payoutsPage(req)))
  router.post('/payouts', formPost(ctx, async (req, res) => {
    const period = typeof req.body?.period === 'string' ? req.body.period.trim() : ''
    const { batch } = await payouts.createBatch(userOf(req).account, period)
    redirect(res, `/portal/admin/payouts/${encodeURIComponent(batch.id)}`, 'batch-created')
  }, payoutsPage))

  async function batchPage(req: Request, state?: FormState): Promise<Page> {
    const batch = await storage.payouts.getBatch(pathId(req, 'id', 'payout batch'))
    if (!batch) throw notFound('payout batch')
    const list = await storage.payouts.listByBatch(batch.id)
    const accounts = new Map((await storage.accounts.list()).map((a) => [a.id, a]))
    const table: Table<Payout> = {
      name: 'payouts', caption: `Payouts of ${batch.period}`, rows: list, empty: 'This batch has no payouts.',
      columns: [
        { label: 'Account', value: (p) => accounts.get(p.accountId)?.name ?? p.accountId },
        { label: 'Email', value: (p) => accounts.get(p.accountId)?.email ?? null },
        { label: 'Account id', value: (p) => p.accountId, csvOnly: true },
        { label: 'Amount', value: (p) => amountValue(p.amount, p.currency), cell: (p) => money(p.amount, p.currency), numeric: true },
        { label: 'Currency', value: (p) => p.currency },
        { label: 'Status', value: (p) => p.status, cell: (p) => badge(p.status) },
        { label: 'Paid', value: (p) => p.paidAt?.toISOString() ?? null, cell: (p) => time(p.paidAt) },
        { label: 'Note', value: (p) => p.note },
        { label: 'Payout id', value: (p) => p.id, csvOnly: true },
      ],
    }
    return {
      title: `Payout batch ${batch.period}`, tables: [table],
      body: html`${backLink('/portal/admin/payouts', 'All payouts')}${errorBox(state?.error)}
${facts([['Status', badge(batch.status)], ['Created', time(batch.createdAt)], ['Created by', accounts.get(batch.createdBy)?.name ?? batch.createdBy], ['Paid', time(batch.paidAt)]])}
${tableHtml(req, table)}
${batch.status === 'scheduled' ? html`<p>Pay these accounts (the CSV is the transfer list), then mark the batch as paid: the ledger moves each payout from approved to paid.</p>
${actionButton(req, `/portal/admin/payouts/${encodeURIComponent(batch.id)}/paid`, 'Mark batch as paid')}` : ''}`,
    }
  }

  router.get('/payouts/:id', view(ctx, (req) => batchPage(req)))
  router.post('/payouts/:id/paid', formPost(ctx, async (req, res) => {
    const id = pathId(req, 'id', 'payout batch')
    await payouts.markPaid(id)
    redirect(res, `/portal/admin/payouts/${encodeURIComponent(id)}`, 'batch-paid')
  }, batchPage))

  return router
}
