// The page around every portal view: landmarks, navigation for the account's roles, notices and errors,
// the static stylesheet and script, inside the one page shell (../page.ts); and `send`, which answers a page as HTML or one of its tables as CSV.
import type { Request, Response } from 'express'
import type { AppError } from '../errors.js'
import { notFound } from '../errors.js'
import { loadAsset, shell, type Asset } from '../page.js'
import type { Account, Role } from '../storage/types.js'
import { html, type Html } from './html.js'
import { sendCsv, type Table } from './tables.js'

export type { Asset }

// Read from the source folder, also when running the compiled server (tsc copies no assets):
// server/src/portal/ and server/dist/portal/ both resolve this to server/src/portal/assets/.
const assetDir = new URL('../../src/portal/assets/', import.meta.url)

export function loadAssets(): Record<string, Asset> {
  return {
    'portal.css': loadAsset(assetDir, 'portal.css', 'text/css; charset=utf-8', '/portal/assets/'),
    'portal.js': loadAsset(assetDir, 'portal.js', 'text/javascript; charset=utf-8', '/portal/assets/'),
  }
}

export interface Page {
  title: string
  body: Html
  /** Tables the page can export (`?csv=<name>`); each is typed by its own rows. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tables?: Table<any>[]
  status?: number
  /** A narrow single-column page (sign-in). */
  narrow?: boolean
}

/** Fixed texts shown after a redirect (`?notice=code`): the URL never carries text of its own. */
const notices: Record<string, string> = {
  'signed-out': 'You are signed out.',
  'signed-up': 'Thank you! Your account waits for approval by the network; you can sign in once it is approved.',
  'password-changed': 'Your password is changed. Other devices were signed out.',
  'key-revoked': 'The API key is revoked; requests with it are refused from now on.',
  'campaign-created': 'The campaign is created.',
  'campaign-saved': 'The campaign is saved.',
  'code-created': 'The tracking code is created. Paste its snippets on your site.',
  'code-saved': 'The tracking code is saved.',
  'secret-rotated': 'A new postback secret is made; the old one no longer works.',
  approved: 'The conversion is approved; its commission moved to the publisher\'s approved balance.',
  declined: 'The conversion is declined; its pending commission is removed.',
  refunded: 'The refund is recorded; the commission follows it.',
  reinvested: 'Moved into advertising credit: it pays your own campaigns\' commissions first.',
  'account-updated': 'The account is updated.',
  'batch-created': 'The payout batch is created. Pay the accounts, then mark the batch as paid.',
  'batch-paid': 'The batch is marked as paid; the ledger moved each payout from approved to paid.',
  'revenue-settings-saved': 'The revenue settings are saved; this period\'s orders are matched to messages under them within minutes.',
}

interface NavLink {
  href: string
  label: string
}
const sections: { role: Role; label: string; links: NavLink[] }[] = [
  {
    role: 'publisher', label: 'Publisher', links: [
      { href: '/portal/publisher', label: 'Overview' },
      { href: '/portal/publisher/stats', label: 'Statistics' },
      { href: '/portal/publisher/links', label: 'Links' },
      { href: '/portal/publisher/conversions', label: 'Conversions' },
      { href: '/portal/publisher/payouts', label: 'Payouts' },
    ],
  },
  {
    role: 'advertiser', label: 'Advertiser', links: [
      { href: '/portal/advertiser', label: 'Campaigns' },
      { href: '/portal/advertiser/tracking-codes', label: 'Tracking codes' },
      { href: '/portal/advertiser/conversions', label: 'Conversions' },
      { href: '/portal/advertiser/request-log', label: 'Request log' },
      { href: '/portal/advertiser/revenue', label: 'Revenue' },
      { href: '/portal/advertiser/monetize', label: 'Monetize' },
    ],
  },
  {
    role: 'admin', label: 'Admin', links: [
      { href: '/portal/admin', label: 'Accounts' },
      { href: '/portal/admin/conversions', label: 'Conversions' },
      { href: '/portal/admin/payouts', label: 'Payouts' },
    ],
  },
]

/** Where an account lands after signing in. */
export function homeOf(account: Account): string {
  if (account.roles.includes('admin')) return '/portal/admin'
  if (account.roles.includes('advertiser')) return '/portal/advertiser'
  return '/portal/publisher'
}

function nav(account: Account, path: string): Html {
  const roots = new Set(sections.map((s) => s.links[0]!.href))
  const current = (href: string) => path === href || (!roots.has(href) && path.startsWith(`${href}/`))
  // A detail page under a section's first link (e.g. /portal/advertiser/campaigns/x) marks that link.
  const owner = sections.flatMap((s) => s.links).some((l) => current(l.href)) ? null : [...roots].find((r) => path.startsWith(`${r}/`))
  const item = (l: NavLink) => html`<li><a href="${l.href}"${current(l.href) || owner === l.href ? html` aria-current="page"` : ''}>${l.label}</a></li>`
  const groups = sections.filter((s) => account.roles.includes(s.role))
  return html`<nav aria-label="Portal"><ul>${groups.map((s) => html`${groups.length > 1 ? html`<li class="section" aria-hidden="true">${s.label}</li>` : ''}${s.links.map(item)}`)}
<li${groups.length > 1 ? html` class="section-end"` : ''}><a href="/portal/account"${path === '/portal/account' ? html` aria-current="page"` : ''}>Account &amp; API keys</a></li></ul></nav>`
}

/** The error summary of a form: role=alert, so it is announced; the field itself carries aria-invalid. */
export const errorBox = (error: AppError | undefined): Html | string =>
  error ? html`<div class="error" role="alert" id="form-error"><p>${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}</p></div>` : ''

export function render(req: Request, assets: Record<string, Asset>, page: Page): string {
  const user = req.portal
  const notice = typeof req.query.notice === 'string' ? notices[req.query.notice] : undefined
  const header = user
    ? html`<header class="top"><a class="brand" href="/portal">Affiliate network</a>${nav(user.account, new URL(req.originalUrl, 'http://portal.invalid').pathname.replace(/\/+$/, ''))}
<div class="who"><span>${user.account.name}</span><form method="post" action="/portal/sign-out"><input type="hidden" name="_csrf" value="${user.session.csrfToken}"><button type="submit" class="secondary small">Sign out</button></form></div></header>`
    : html`<header class="top"><a class="brand" href="/portal">Affiliate network</a></header>`
  // The one shell (page.ts) around the portal's own frame: skip link, header and navigation, main, footer.
  return shell({
    title: `${page.title} · Affiliate network`, stylesheet: assets['portal.css']!.url, scripts: [assets['portal.js']!.url],
    body: html`<a class="skip" href="#main">Skip to content</a>
${header}
<main id="main"${page.narrow ? html` class="narrow"` : ''}><h1>${page.title}</h1>
${notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : ''}${page.body}
<p id="copy-status" class="visually-hidden" role="status" aria-live="polite"></p></main>
<footer><p>Affiliate network portal · times in UTC · money in each currency's own units</p></footer>`.text,
  })
}

/** Answers the page as HTML, or one of its tables as CSV when `?csv=<name>` asks for it. */
export async function send(req: Request, res: Response, assets: Record<string, Asset>, page: Page): Promise<void> {
  const wanted = req.query.csv
  if (typeof wanted === 'string') {
    const table = page.tables?.find((t) => t.name === wanted)
    if (!table) throw notFound('table')
    return sendCsv(res, table)
  }
  res.status(page.status ?? 200).type('html').send(render(req, assets, page))
}
