// Every table on the portal is described once and rendered twice: as an accessible HTML table and as CSV
// (`?csv=<table name>` on the page's own URL, with the page's filters).
import { csvField } from '../csv.js'
import type { Request, Response } from 'express'
import { html, type Html, type Value } from './html.js'

export interface Column<T> {
  label: string
  /** The plain value: the CSV cell, and the HTML cell unless `cell` is given. */
  value: (row: T) => string | number | null
  /** Richer HTML for the page (links, badges, buttons). */
  cell?: (row: T) => Value
  /** Right-aligned on the page, never treated as text in CSV. */
  numeric?: boolean
  /** Only on the page (action buttons). */
  pageOnly?: boolean
  /** Only in the CSV (values the page shows inside another column). */
  csvOnly?: boolean
}

export interface Table<T> {
  /** The `csv` parameter that exports it; also the CSV file's name. */
  name: string
  caption: string
  columns: Column<T>[]
  rows: T[]
  empty: string
  /** All rows for the CSV when the page shows only the first ones. */
  allRows?: () => Promise<T[]>
  /** A footer row (totals), as cells in column order. */
  footer?: Value[]
}

/** The page's own URL with `csv=name`, keeping its filters. */
function csvHref(req: Request, name: string): string {
  const url = new URL(req.originalUrl, 'http://portal.invalid')
  url.searchParams.delete('notice')
  url.searchParams.set('csv', name)
  return `${url.pathname}${url.search}`
}

export function tableHtml<T>(req: Request, t: Table<T>): Html {
  const columns = t.columns.filter((c) => !c.csvOnly)
  const head = columns.map((c) => html`<th scope="col"${c.numeric ? html` class="num"` : ''}>${c.label}</th>`)
  const rows = t.rows.map((row) => html`<tr>${columns.map((c, i) => {
    const content = c.cell ? c.cell(row) : c.value(row) ?? '—'
    const cls = c.numeric ? html` class="num"` : ''
    return i === 0 ? html`<th scope="row"${cls}>${content}</th>` : html`<td${cls}>${content}</td>`
  })}</tr>`)
  const empty = html`<tr><td colspan="${columns.length}">${t.empty}</td></tr>`
  const foot = t.footer ? html`<tfoot><tr>${t.footer.map((v, i) => (i === 0 ? html`<th scope="row">${v}</th>` : html`<td class="num">${v}</td>`))}</tr></tfoot>` : ''
  return html`<div class="table-wrap"><table id="table-${t.name}">
<caption>${t.caption} <a class="csv" href="${csvHref(req, t.name)}" download>Download CSV<span class="visually-hidden"> of ${t.caption}</span></a></caption>
<thead><tr>${head}</tr></thead><tbody>${t.rows.length ? rows : empty}</tbody>${foot}</table></div>`
}

const csvCell = (value: string | number | null, numeric: boolean): string => (value === null ? '' : csvField(String(value), !numeric))

export async function sendCsv<T>(res: Response, t: Table<T>): Promise<void> {
  const columns = t.columns.filter((c) => !c.pageOnly)
  const rows = t.allRows ? await t.allRows() : t.rows
  const lines = [columns.map((c) => csvCell(c.label, false)).join(',')]
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row), Boolean(c.numeric))).join(','))
  const day = new Date().toISOString().slice(0, 10)
  res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${t.name}-${day}.csv"` })
  res.send(`${lines.join('\r\n')}\r\n`)
}
