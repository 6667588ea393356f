// Views more than one portal shows: conversion and ledger tables, balances.
import { formatAmount } from '../money.js'
import { percentText } from '../campaigns/rules.js'
import type { Balance, Conversion, LeadRule, LedgerEntry, SaleRule } from '../storage/types.js'
import { badge, money, time } from './format.js'
import { html, type Html, type Value } from './html.js'
import { input, select } from './kit.js'
import type { Column, Table } from './tables.js'

/** "10 % of the sale", "2.50 EUR per sale", "0.50 EUR per lead". */
export function ruleText(rule: SaleRule | LeadRule | null, currency: string, what: 'sale' | 'lead'): string {
  if (!rule) return '—'
  return rule.kind === 'percent' ? `${percentText(rule.basisPoints)} % of the ${what}` : `${money(rule.amount, currency)} per ${what}`
}

export const amountValue = (amount: number, currency: string) => formatAmount(amount, currency)

/** The conversions table; `detail` links each row to its page, `extra` adds columns (actions, parties). */
export function conversionTable(
  name: string, caption: string, rows: Conversion[], campaigns: Map<string, string>,
  options: { detail?: (c: Conversion) => string; extra?: Column<Conversion>[]; empty?: string; allRows?: () => Promise<Conversion[]>; showEmail?: boolean } = {},
): Table<Conversion> {
  const columns: Column<Conversion>[] = [
    { label: 'Recorded', value: (c) => c.createdAt.toISOString(), cell: (c) => time(c.createdAt) },
    {
      label: 'Order', value: (c) => c.orderId,
      cell: (c) => (options.detail ? html`<a href="${options.detail(c)}">${c.orderId}</a>` : c.orderId),
    },
    { label: 'Campaign', value: (c) => (c.campaignId ? campaigns.get(c.campaignId) ?? c.campaignId : null) },
    { label: 'Type', value: (c) => c.type },
    { label: 'Amount', value: (c) => amountValue(c.amount, c.currency), cell: (c) => money(c.amount, c.currency), numeric: true },
    { label: 'Currency', value: (c) => c.currency },
    { label: 'Commission', value: (c) => amountValue(c.commission - c.reversedCommission, c.commissionCurrency), cell: (c) => commissionCell(c), numeric: true },
    { label: 'Status', value: (c) => c.status, cell: (c) => badge(c.status) },
    { label: 'Reason', value: (c) => c.reason },
    ...(options.showEmail ? [{ label: 'Customer email', value: (c: Conversion) => c.customerEmail }] : []),
    ...(options.extra ?? []),
  ]
  return { name, caption, columns, rows, empty: options.empty ?? 'No conversions yet.', allRows: options.allRows }
}

function commissionCell(c: Conversion): Value {
  const owed = money(c.commission - c.reversedCommission, c.commissionCurrency)
  return c.reversedCommission > 0 ? html`${owed}<span class="prev">of ${money(c.commission, c.commissionCurrency)}</span>` : owed
}

export function ledgerTable(rows: LedgerEntry[], allRows: () => Promise<LedgerEntry[]>): Table<LedgerEntry> {
  return {
    name: 'ledger', caption: 'Ledger entries, newest first', rows, allRows, empty: 'No ledger entries yet.',
    columns: [
      { label: 'When', value: (e) => e.createdAt.toISOString(), cell: (e) => time(e.createdAt) },
      { label: 'Kind', value: (e) => e.kind },
      { label: 'Balance', value: (e) => e.bucket },
      { label: 'Amount', value: (e) => amountValue(e.amount, e.currency), cell: (e) => money(e.amount, e.currency), numeric: true },
      { label: 'Currency', value: (e) => e.currency },
      { label: 'Memo', value: (e) => e.memo },
      { label: 'Conversion', value: (e) => e.conversionId },
      { label: 'Payout', value: (e) => e.payoutId },
    ],
  }
}

/** Balance cards: one per currency, Pending / Approved / Paid (and Advertising credit) with stable labels. */
export function balanceCards(balances: Balance[], withCredit: boolean): Html {
  const shown = balances.length ? balances : [{ currency: 'EUR', pending: 0, approved: 0, paid: 0, credit: 0 }]
  const row = (label: string, key: 'pending' | 'approved' | 'paid' | 'credit', b: Balance) =>
    html`<div><dt>${label}</dt><dd data-balance="${key}">${money(b[key], b.currency)}</dd></div>`
  return html`<div class="balances">${shown.map((b) => html`<div class="card" data-currency="${b.currency}"><h3 id="balance-${b.currency}">${b.currency}</h3>
<dl class="balance" aria-labelledby="balance-${b.currency}">${row('Pending', 'pending', b)}${row('Approved', 'approved', b)}${row('Paid', 'paid', b)}${withCredit || b.credit !== 0 ? row('Advertising credit', 'credit', b) : ''}</dl></div>`)}</div>`
}

/** A labelled definition list of facts about one record. */
export const facts = (items: [string, Value][]) => html`<dl class="balance">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v ?? '—'}</dd></div>`)}</dl>`

export const backLink = (href: string, label: string) => html`<p><a href="${href}">← ${label}</a></p>`

/** Copy-ready text: a labelled block with a Copy button (shown when the script runs). */
export function copyBlock(id: string, label: string, text: string, note?: string): Html {
  return html`<div class="snippet"><div class="snippet-head"><h3 id="${id}-label">${label}</h3><button type="button" class="secondary small" data-copy="${id}" hidden aria-describedby="${id}-label">Copy</button></div>
${note ? html`<p class="hint">${note}</p>` : ''}<pre><code id="${id}">${text}</code></pre></div>`
}

export const conversionStatuses = ['pending', 'approved', 'declined', 'reversed'] as const

/** The filter of the conversion lists: period and status. */
export function filterForm(action: string, from: string, to: string, status: string | undefined): Html {
  return html`<form method="get" action="${action}" class="inline">
${input({ name: 'from', label: 'From', type: 'date', value: from })}${input({ name: 'to', label: 'To (inclusive)', type: 'date', value: to })}
${select({ name: 'status', label: 'Status', value: status ?? '', options: [['', 'Any'], ...conversionStatuses.map((s) => [s, s] as const)] })}
<button type="submit">Filter</button></form>`
}

export function conversionFacts(c: Conversion, campaigns: Map<string, string>, showEmail = false): Html {
  return facts([
    ['Order', c.orderId], ['Campaign', c.campaignId ? campaigns.get(c.campaignId) ?? c.campaignId : null], ['Type', c.type], ['Source', c.source],
    ['Amount', money(c.amount, c.currency)], ['Refunded', money(c.refundedAmount, c.currency)],
    ['Commission', money(c.commission, c.commissionCurrency)], ['Reversed commission', money(c.reversedCommission, c.commissionCurrency)],
    ['Status', badge(c.status)], ['Reason', c.reason], ['Recorded', time(c.createdAt)], ['Hold period ends', time(c.approveAt)], ['Decided', time(c.decidedAt)],
    ...(showEmail ? [['Customer email', c.customerEmail] as [string, string | null]] : []),
  ])
}
