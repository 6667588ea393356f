// The web portals under /portal: server-rendered pages for publishers, advertisers and the network operator.
// No build step and no inline script: a static stylesheet and one small script, under a strict
// Content-Security-Policy on every answer (the one policy of every page, ../page.ts). Sessions are cookies
// backed by the store; every form carries the session's CSRF token.
import { inputGuard } from '../input.js'
import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { AppError } from '../errors.js'
import type { Services } from '../services.js'
import type { Role } from '../storage/types.js'
import { accountRoutes } from './account.js'
import { adminRoutes } from './admin.js'
import { advertiserRoutes } from './advertiser/index.js'
import { authRoutes } from './auth.js'
import { html } from './html.js'
import type { PortalContext } from './kit.js'
import { loadAssets, render } from './layout.js'
import { publisherRoutes } from './publisher.js'
import { sameSecret } from '../secrets.js'
import { assetCacheControl, csp } from '../page.js'
import { createSessions } from './session.js'

const titles: Record<number, string> = { 400: 'That did not work', 403: 'Not allowed', 404: 'Page not found', 413: 'Too much data', 429: 'Too many requests' }

export function portalRoutes(services: Services): Router {
  const ctx: PortalContext = { services, sessions: createSessions(services), assets: loadAssets() }
  const router = Router()

  router.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
    })
    next()
  })

  router.get('/assets/:file', (req, res) => {
    // An own entry only: `__proto__` or `constructor` is no file (and no 500).
    const name = String(req.params.file)
    const asset = Object.hasOwn(ctx.assets, name) ? ctx.assets[name] : undefined
    if (!asset) throw new AppError(404, 'not_found', 'no such file')
    res.set({ 'Content-Type': asset.type, 'Cache-Control': assetCacheControl(asset, req.query.v) })
    res.send(asset.body)
  })

  // Pages carry the account's data: never stored by the browser or a proxy.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 }))
  router.use(inputGuard())
  router.use((req, res, next) => ctx.sessions.load(req, res, next))
  router.use(authRoutes(ctx))

  // Everything below needs a signed-in account; a page asked for without one comes back after sign-in.
  router.use((req, res, next) => {
    if (req.portal) return next()
    const path = new URL(req.originalUrl, 'http://portal.invalid')
    res.redirect(303, req.method === 'GET' ? `/portal/sign-in?next=${encodeURIComponent(path.pathname + path.search)}` : '/portal/sign-in')
  })
  // Every form sends the session's token back: another site cannot make a signed-in browser act.
  router.use((req, _res, next) => {
    if (req.method !== 'POST' || sameSecret((req.body as Record<string, unknown> | undefined)?._csrf, req.portal!.session.csrfToken)) return next()
    next(new AppError(403, 'csrf', 'this form has expired; go back, reload the page and try again'))
  })

  const only = (role: Role) => (req: Request, _res: Response, next: NextFunction) =>
    next(req.portal!.account.roles.includes(role) ? undefined : new AppError(403, 'forbidden', `this part of the portal is for ${role} accounts`))
  router.use(accountRoutes(ctx))
  router.use('/publisher', only('publisher'), publisherRoutes(ctx))
  router.use('/advertiser', only('advertiser'), advertiserRoutes(ctx))
  router.use('/admin', only('admin'), adminRoutes(ctx))

  router.use((_req, _res, next) => next(new AppError(404, 'not_found', 'there is no such page — or it belongs to another account')))
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // Parser errors (too large, malformed) carry their 4xx; a malformed path encoding is a missing page.
    const parsed = error as { status?: number; message?: string }
    const status = error instanceof AppError ? error.status : error instanceof URIError ? 404
      : parsed.status && parsed.status >= 400 && parsed.status < 500 ? parsed.status : 500
    if (status >= 500) services.logger.error({ err: error }, 'portal page failed')
    const message = error instanceof AppError ? error.message : status === 404 ? 'there is no such page' : status < 500 ? (parsed.message ?? 'bad request') : 'something went wrong on our side; please try again'
    if (res.headersSent) return
    res.status(status).type('html').send(render(req, ctx.assets, {
      title: titles[status] ?? 'Something went wrong',
      body: html`<p>${message.charAt(0).toUpperCase()}${message.slice(1)}.</p><p><a href="/portal">Go to the portal's start page</a></p>`,
    }))
  })
  return router
}
