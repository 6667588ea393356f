// The signed-in account: its details, API keys (created here and shown once; revoked here) and password.
import { Router, type Request } from 'express'
import { notFound } from '../errors.js'
import { name as nameField, parse, pathId } from '../validation.js'
import type { ApiKey } from '../storage/types.js'
import { z } from 'zod'
import { badge, time } from './format.js'
import { html, type Html } from './html.js'
import { actionButton, csrfField, formPost, input, redirect, userOf, view, type FormState, type PortalContext } from './kit.js'
import { errorBox, send, type Page } from './layout.js'
import { tableHtml, type Table } from './tables.js'
import { copyBlock, facts } from './views.js'

const keyBody = z.object({ name: nameField(100) })

export function accountRoutes(ctx: PortalContext): Router {
  const { storage } = ctx.services
  const router = Router()

  async function accountPage(req: Request, options: { state?: FormState; passwordState?: FormState; newKey?: Html } = {}): Promise<Page> {
    const { account } = userOf(req)
    const keys = await storage.apiKeys.listByAccount(account.id)
    const table: Table<ApiKey> = {
      name: 'api-keys', caption: 'API keys', rows: keys, empty: 'No API keys yet.',
      columns: [
        { label: 'Name', value: (k) => k.name },
        { label: 'Starts with', value: (k) => `${k.prefix}…`, cell: (k) => html`<span class="mono">${k.prefix}…</span>` },
        { label: 'Created', value: (k) => k.createdAt.toISOString(), cell: (k) => time(k.createdAt) },
        { label: 'Status', value: (k) => (k.revokedAt ? 'revoked' : 'active'), cell: (k) => (k.revokedAt ? html`${badge('revoked')} ${time(k.revokedAt)}` : badge('active')) },
        {
          label: 'Actions', value: () => null, pageOnly: true,
          cell: (k) => (k.revokedAt ? '' : actionButton(req, `/portal/account/api-keys/${encodeURIComponent(k.id)}/revoke`, 'Revoke', { kind: 'danger', description: `Revoke API key ${k.name}` })),
        },
      ],
    }
    return {
      title: 'Account and API keys', tables: [table],
      body: html`${facts([['Name', account.name], ['Email', account.email], ['Roles', account.roles.join(', ')]])}
${options.newKey ?? ''}
<section aria-labelledby="keys-heading"><h2 id="keys-heading">API keys</h2>
<p>For the JSON API (<a href="/api/v1/openapi.json">OpenAPI document</a>): send a key as <span class="mono">Authorization: Bearer &lt;key&gt;</span>. Only its first characters are kept to tell keys apart.</p>
${tableHtml(req, table)}${errorBox(options.state?.error)}
<form method="post" action="/portal/account/api-keys" class="inline">${csrfField(req)}
${input({ name: 'name', label: 'New key name', hint: 'e.g. shop server', required: true, state: options.state })}
<button type="submit">Create API key</button></form></section>
<section aria-labelledby="password-heading"><h2 id="password-heading">Password</h2>${errorBox(options.passwordState?.error)}
<form method="post" action="/portal/account/password" class="stack">${csrfField(req)}
${input({ name: 'current', label: 'Current password', type: 'password', required: true, state: options.passwordState && { ...options.passwordState, values: {} }, extra: html` autocomplete="current-password"` })}
${input({ name: 'password', label: 'New password', type: 'password', required: true, hint: 'At least 10 characters.', state: options.passwordState && { ...options.passwordState, values: {} }, extra: html` autocomplete="new-password"` })}
<div><button type="submit">Change password</button></div></form></section>`,
    }
  }

  router.get('/account', view(ctx, (req) => accountPage(req)))

  // Answered as the page itself, not a redirect: the key must never travel in a URL or be shown twice.
  router.post('/account/api-keys', formPost(ctx, async (req, res) => {
    const { account } = userOf(req)
    const body = parse(keyBody, req.body)
    const { key } = await ctx.services.access.issueKey(account.id, body.name)
    const newKey = html`<div class="secret" role="status"><p><strong>Your new API key “${body.name}”.</strong> Copy it now: it is shown only this once.</p>
${copyBlock('new-api-key', 'API key', key)}</div>`
    await send(req, res, ctx.assets, { ...(await accountPage(req, { newKey })), status: 201 })
  }, async (req, state) => accountPage(req, { state })))

  router.post('/account/api-keys/:id/revoke', async (req, res) => {
    if (!(await ctx.services.access.revokeApiKey(userOf(req).account.id, pathId(req, 'id', 'API key')))) throw notFound('API key')
    redirect(res, '/portal/account', 'key-revoked')
  })

  router.post('/account/password', formPost(ctx, async (req, res) => {
    const { account } = userOf(req)
    const body = req.body as Record<string, unknown>
    const current = typeof body.current === 'string' ? body.current : ''
    const password = typeof body.password === 'string' ? body.password : ''
    await ctx.services.access.changePassword(account.id, current, password)
    // Every other device is signed out; this one gets a fresh session.
    await ctx.sessions.endAll(account.id)
    await ctx.sessions.start(res, account)
    redirect(res, '/portal/account', 'password-changed')
  }, async (req, passwordState) => accountPage(req, { passwordState })))

  return router
}
