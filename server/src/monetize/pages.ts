// Buyer-facing pages: one-click unsubscribe (RFC 8058 POST, and a confirmation form for people), and the
// local outbox that shows the emails the network would have sent when no Mailgun key is configured.
import { inputGuard } from '../input.js'
import express, { Router } from 'express'
import { escapeHtml } from '../html.js'
import type { Config } from '../config.js'
import type { Storage } from '../storage/types.js'
import type { Monetize } from './index.js'

/** What the buyer-facing pages call: unsubscribing, and (outside production) the local outbox. */
export interface MonetizePageDeps {
  config: Pick<Config, 'NODE_ENV'>
  storage: Pick<Storage, 'outbox'>
  monetize: Pick<Monetize, 'unsubscribe'>
}
import { csp, emailCsp, shell } from '../page.js'

// The buyer's pages in the one shell, under the one policy (page.ts).
function layout(title: string, body: string): string {
  return shell({ title, body, bodyClass: 'buyer' })
}

export function monetizePages(services: MonetizePageDeps): Router {
  const router = Router()
  const form = express.urlencoded({ extended: false, limit: '4kb' })
  const guard = inputGuard()

  router.get('/unsubscribe', (req, res) => {
    const m = String(req.query.m ?? '')
    const s = String(req.query.s ?? '')
    res.set('Content-Security-Policy', csp).send(layout('Unsubscribe', `<h1>Stop offer emails?</h1>
<p>You will get no more offer emails from this network after orders, from any shop.</p>
<form method="post" action="/unsubscribe"><input type="hidden" name="m" value="${escapeHtml(m)}"><input type="hidden" name="s" value="${escapeHtml(s)}">
<button type="submit">Unsubscribe</button></form>`))
  })

  router.post('/unsubscribe', form, guard, async (req, res) => {
    // (Any placeholder for a missing id or token would do as well as '': it never matches a token.)
    const m = String(req.body?.m ?? req.query.m ?? '')
    const s = String(req.body?.s ?? req.query.s ?? '')
    // No length checks needed: the token is an HMAC of the message id, compared in constant time before the
    // store is asked anything, and the form's body is capped at 4 kB.
    const done = await services.monetize.unsubscribe(m, s)
    res.status(done ? 200 : 400).set('Content-Security-Policy', csp).send(done
      ? layout('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will receive no more offer emails from us.</p>')
      : layout('Link not valid', '<h1>This unsubscribe link is not valid</h1><p>Please use the link from the email you received.</p>'))
  })

  if (services.config.NODE_ENV !== 'production') {
    router.get('/outbox', async (_req, res) => {
      const emails = await services.storage.outbox.list(50)
      const rows = emails.map((e) => `<tr><td>${escapeHtml(e.createdAt.toISOString().replace('T', ' ').slice(0, 19))}</td><td>${escapeHtml(e.to)}</td>
<td><a href="/outbox/${encodeURIComponent(e.id)}">${escapeHtml(e.subject)}</a><br><small>from ${escapeHtml(e.from)}</small></td></tr>`).join('')
      res.set('Content-Security-Policy', csp).send(layout('Outbox', `<h1>Outbox</h1>
<p>No Mailgun key is configured, so the network keeps the emails it would have sent here.</p>
<div class="scroll"><table><thead><tr><th>When</th><th>To</th><th>Email</th></tr></thead><tbody>${rows || '<tr><td colspan="3">No emails yet.</td></tr>'}</tbody></table></div>`))
    })
    router.get('/outbox/:id', async (req, res) => {
      const email = await services.storage.outbox.get(req.params.id)
      if (!email) return void res.status(404).set('Content-Security-Policy', csp).send(layout('Not found', '<h1>No such email</h1>'))
      // The email as the buyer would see it, on a page of its own (the outbox links to it): its inline styles
      // allowed by their hashes, links working, no script, sandboxed from the outbox (emailCsp says how).
      res.set('Content-Security-Policy', emailCsp(email.html)).type('html').send(email.html)
    })
  }
  return router
}
