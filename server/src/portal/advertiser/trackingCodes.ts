// The advertiser's tracking codes: the list, a new code, and each code's page with its snippets, first-party
// mode and settings.
import { Router, type Request } from 'express'
import { snippetsFor } from '../../trackingCodes/index.js'
import { pathId } from '../../validation.js'
import type { TrackingCode } from '../../storage/types.js'
import { badge } from '../format.js'
import { html } from '../html.js'
import { actionButton, csrfField, formFields, formPost, input, redirect, select, userOf, view, type FormState, type PortalContext } from '../kit.js'
import { errorBox, type Page } from '../layout.js'
import { proxyKey } from '../../tracking/firstParty.js'
import { defaultProxyPath, proxyRules, serverSideSnippets } from '../../tracking/proxyRules.js'
import { tableHtml, type Table } from '../tables.js'
import { backLink, copyBlock, facts } from '../views.js'

export function trackingCodesPages(ctx: PortalContext): Router {
  const { config, trackingCodes, campaigns } = ctx.services
  const router = Router()

  async function codesPage(req: Request, state?: FormState): Promise<Page> {
    const { account } = userOf(req)
    const [codes, own] = await Promise.all([trackingCodes.listOwn(account.id).then((list) => list.map((t) => t.code)), campaigns.listOwn(account.id)])
    const names = new Map(own.map((c) => [c.id, c.name]))
    const table: Table<TrackingCode> = {
      name: 'tracking-codes', caption: 'Your tracking codes', rows: codes, empty: 'No tracking codes yet.',
      columns: [
        { label: 'Name', value: (t) => t.name, cell: (t) => html`<a href="/portal/advertiser/tracking-codes/${encodeURIComponent(t.id)}">${t.name}</a>` },
        { label: 'Code', value: (t) => t.code, cell: (t) => html`<span class="mono">${t.code}</span>` },
        { label: 'Campaign', value: (t) => names.get(t.campaignId) ?? t.campaignId },
        { label: 'Method', value: (t) => t.method },
        { label: 'Redirection URL', value: (t) => t.redirectUrl, cell: (t) => (t.redirectUrl ? html`<span class="break">${t.redirectUrl}</span>` : '—') },
        { label: 'Status', value: (t) => t.status, cell: (t) => badge(t.status) },
      ],
    }
    const values = state?.values ?? { method: 'GET' }
    const v = (name: string) => ({ name, value: values[name] ?? '', state })
    return {
      title: 'Tracking codes', tables: [table],
      body: html`${tableHtml(req, table)}<section aria-labelledby="new-code"><h2 id="new-code">New tracking code</h2>
${own.length === 0 ? html`<p>Create a <a href="/portal/advertiser/campaigns/new">campaign</a> first.</p>` : html`${errorBox(state?.error)}
<form method="post" action="/portal/advertiser/tracking-codes" class="stack">${csrfField(req)}
${input({ ...v('name'), label: 'Name', hint: 'e.g. Thank-you page', required: true })}
${select({ ...v('campaignId'), label: 'Campaign', options: own.map((c) => [c.id, c.name] as const) })}
${select({ ...v('method'), label: 'Method', options: [['GET', 'GET — script call or image pixel'], ['POST', 'POST — HTML form that redirects to the thank-you page']] })}
${input({ ...v('redirectUrl'), label: 'Redirection URL', type: 'url', hint: 'The thank-you page a POST form lands on (required for POST).' })}
<div><button type="submit">Create tracking code</button></div></form>`}</section>`,
    }
  }

  const codeBody = (v: Record<string, string>) => ({ name: v.name ?? '', campaignId: v.campaignId ?? '', method: v.method, redirectUrl: v.redirectUrl?.trim() ? v.redirectUrl.trim() : null })

  router.get('/tracking-codes', view(ctx, (req) => codesPage(req)))
  router.post('/tracking-codes', formPost(ctx, async (req, res) => {
    const { code } = await trackingCodes.create(userOf(req).account.id, codeBody(formFields(req, ['name', 'campaignId', 'method'])))
    redirect(res, `/portal/advertiser/tracking-codes/${encodeURIComponent(code.id)}`, 'code-created')
  }, codesPage))

  async function codePage(req: Request, state?: FormState): Promise<Page> {
    const { code, campaign } = await trackingCodes.get(userOf(req).account.id, pathId(req, 'id', 'tracking code'))
    const s = snippetsFor(config.publicUrl, code, campaign)
    // First-party mode: the same tag and pixel with the shop's own path as their origin, and the proxy rules
    // filled in with this advertiser's key.
    const fpPath = campaign?.firstPartyPath ?? defaultProxyPath
    const fp = snippetsFor(fpPath, code, campaign)
    const key = proxyKey(config.cookieSecret, code.advertiserId)
    const rules = proxyRules({ networkUrl: config.publicUrl, path: fpPath, proxyKey: key })
    const serverSide = serverSideSnippets({ networkUrl: config.publicUrl, code: code.code, secret: code.postbackSecret })
    const campaignHref = campaign ? `/portal/advertiser/campaigns/${encodeURIComponent(campaign.id)}` : null
    const values = state?.values ?? { name: code.name, method: code.method, redirectUrl: code.redirectUrl ?? '', status: code.status }
    const v = (name: string) => ({ name, value: values[name] ?? '', state })
    const base = `/portal/advertiser/tracking-codes/${encodeURIComponent(code.id)}`
    return {
      title: `Tracking code: ${code.name}`,
      body: html`${backLink('/portal/advertiser/tracking-codes', 'All tracking codes')}
${facts([['Code', html`<span class="mono">${code.code}</span>`], ['Campaign', campaign?.name ?? code.campaignId], ['Method', code.method], ['Redirection URL', code.redirectUrl], ['Status', badge(code.status)]])}
<p><a href="/portal/advertiser/request-log?trackingCodeId=${encodeURIComponent(code.id)}">Test the integration: see this code's requests in the request log →</a></p>
<section aria-labelledby="snippets-heading"><h2 id="snippets-heading">Snippets</h2>
<p class="lead">Replace ORDER_ID and the amount with the order's own values.</p>
${copyBlock('snippet-script', 'Tracker tag — on every page', s.scriptTag, 'It remembers the click id on your own domain, for the cookie window.')}
${copyBlock('snippet-conversion', 'Conversion call — on the thank-you page, after the tag', s.conversionCall)}
${copyBlock('snippet-pixel', 'Image pixel (GET) — on the thank-you page, without any script', s.pixel)}
${copyBlock('snippet-form', 'HTML form (POST) — posts the order, then redirects to the thank-you page', s.form, code.redirectUrl ? `Redirects to ${code.redirectUrl}.` : 'Set a redirection URL (below) for the form to land on your thank-you page.')}
${copyBlock('snippet-postback', 'Server-to-server postback — with the secret as token', s.postbackUrl, 'Keep this URL secret: it carries the postback secret.')}
${copyBlock('snippet-postback-signed', 'Server-to-server postback — with an HMAC signature', `${s.postbackSignedUrl}\n\n${s.postbackSignature}`)}
${copyBlock('snippet-curl', 'Conversions API — cURL', s.curl)}
${copyBlock('snippet-node', 'Conversions API — Node.js', s.node)}
${copyBlock('snippet-php', 'Conversions API — PHP', s.php)}
${copyBlock('snippet-python', 'Conversions API — Python', s.python)}</section>
<section aria-labelledby="first-party-heading"><h2 id="first-party-heading">First-party mode</h2>
<p class="lead">Proof against blocked third-party cookies, Safari's 7-day limit on script cookies and ad blockers: your site forwards one path, <span class="mono">${fpPath}</span>, to the network with one reverse-proxy rule, and the network's cookie is then set through your own server. Add the rule for your platform, check that <span class="mono">https://your-site${fpPath}/healthz</span> answers, then ${campaign?.firstPartyPath ? html`keep the campaign's first-party path (it is ${campaign.firstPartyPath}): clicks go through it.` : campaignHref ? html`set <a href="${campaignHref}">the campaign's first-party path</a> to ${fpPath}: clicks then go through it.` : html`set the campaign's first-party path to ${fpPath}.`}</p>
${copyBlock('fp-script', 'Tracker tag through your path — on every page', fp.scriptTag, 'Replaces the tracker tag above: the script, its hits and the click are all on your own domain.')}
${copyBlock('fp-pixel', 'Image pixel through your path — on the thank-you page, without any script', fp.pixel)}
${copyBlock('fp-key', 'Your proxy key — the X-Nw-Proxy header of the rule', key, 'The rules below carry it already. With it the network sees your visitors\' addresses rather than your server\'s; keep it in your server configuration.')}
${copyBlock('fp-nginx', 'Proxy rule — nginx', rules.nginx)}
${copyBlock('fp-apache', 'Proxy rule — Apache', rules.apache)}
${copyBlock('fp-caddy', 'Proxy rule — Caddy', rules.caddy)}
${copyBlock('fp-worker', 'Proxy rule — Cloudflare Worker', rules.cloudflareWorker)}
${copyBlock('fp-nextjs', 'Proxy rule — Next.js', rules.nextjs, 'A rewrite alone cannot send the proxy key: use the middleware.')}
${copyBlock('fp-express', 'Proxy rule — Express', rules.express)}
${copyBlock('fp-server-node', 'Without a proxy: server-side snippet — Node.js', serverSide.node, 'Keeps the click id in your own HttpOnly cookie and reports the order by postback. It carries the postback secret: keep it on your server.')}
${copyBlock('fp-server-php', 'Without a proxy: server-side snippet — PHP', serverSide.php)}
${copyBlock('fp-server-python', 'Without a proxy: server-side snippet — Python', serverSide.python)}</section>
<section aria-labelledby="edit-code"><h2 id="edit-code">Settings</h2>${errorBox(state?.error)}
<form method="post" action="${base}" class="stack">${csrfField(req)}
${input({ ...v('name'), label: 'Name', required: true })}
<div class="row">${select({ ...v('method'), label: 'Method', options: [['GET', 'GET'], ['POST', 'POST']] })}
${select({ ...v('status'), label: 'Status', options: [['active', 'Active'], ['paused', 'Paused']] })}</div>
${input({ ...v('redirectUrl'), label: 'Redirection URL', type: 'url', hint: 'Required for POST.' })}
<div><button type="submit">Save tracking code</button></div></form>
<h3>Postback secret</h3><p>Rotate it if it leaked: the old secret stops working at once.</p>
${actionButton(req, `${base}/rotate-secret`, 'Make a new postback secret', { kind: 'danger' })}</section>`,
    }
  }

  router.get('/tracking-codes/:id', view(ctx, (req) => codePage(req)))
  router.post('/tracking-codes/:id', formPost(ctx, async (req, res) => {
    const v = formFields(req, ['name', 'method', 'status'])
    const { code: current } = await trackingCodes.update(userOf(req).account.id, pathId(req, 'id', 'tracking code'), { name: v.name ?? '', method: v.method, status: v.status, redirectUrl: v.redirectUrl?.trim() ? v.redirectUrl.trim() : null })
    redirect(res, `/portal/advertiser/tracking-codes/${encodeURIComponent(current.id)}`, 'code-saved')
  }, codePage))
  router.post('/tracking-codes/:id/rotate-secret', formPost(ctx, async (req, res) => {
    const { code: current } = await trackingCodes.update(userOf(req).account.id, pathId(req, 'id', 'tracking code'), { rotateSecret: true })
    redirect(res, `/portal/advertiser/tracking-codes/${encodeURIComponent(current.id)}`, 'secret-rotated')
  }, codePage))

  return router
}
