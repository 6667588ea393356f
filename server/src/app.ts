// createApp(services) builds the request listener: the tracking hot paths on plain node:http, everything else
// in Express. Listening happens in main.ts, so tests run the real app in-process.
import { inputGuard, parseQuery } from './input.js'
import { readFileSync } from 'node:fs'
import cookieParser from 'cookie-parser'
import express from 'express'
import { AppError, errorMiddleware } from './errors.js'
import type { RequestListener } from 'node:http'
import type { Services } from './services.js'
import { createTrackingRoutes } from './tracking/routes.js'
import { proxyHeader } from './tracking/firstParty.js'
import { apiRoutes } from './api/index.js'
import { monetizePages } from './monetize/pages.js'
import { revenueWebhooks } from './revenue/webhooks.js'
import { portalRoutes } from './portal/index.js'
import { assetCacheControl, pageAssets } from './page.js'

export type AppDeps = Services

const healthTimeoutMs = 1_000
// The tracking pages' stylesheet too: /r and /conv answer pages through the proxy, and link it relative to themselves.
const proxiedPages = new Set(['/t.js', '/healthz', '/assets/page.css'])
export const hsts = 'max-age=31536000; includeSubDomains'
const trackerPath = new URL('../../tracker/dist/t.js', import.meta.url)

export function createApp(deps: AppDeps): RequestListener {
  const app = express()
  app.disable('x-powered-by')
  // Flat query parameters; a repeated one is refused by the guard, so no handler is handed an array.
  app.set('query parser', parseQuery)
  app.use(inputGuard())
  app.set('trust proxy', deps.config.trustProxy)
  app.use(cookieParser(deps.config.cookieSecret))

  // Answers within a second whatever the store does: a ping that has not come back by then counts as down.
  app.get('/healthz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined
    const reachable = await Promise.race([
      deps.storage.ping().catch(() => false),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), healthTimeoutMs))),
    ])
    clearTimeout(timer)
    const spool = deps.hits.spool.stats()
    res.status(reachable ? 200 : 503).set('Cache-Control', 'no-store').json({
      status: reachable ? 'ok' : 'unavailable',
      ...(!reachable && { reason: `the ${deps.storage.driver} store did not answer within ${healthTimeoutMs} ms` }),
      storage: { driver: deps.storage.driver, reachable },
      spool,
    })
  })

  // The tracker script advertisers paste. Read once; a missing build is a clear 503, not a crash.
  let tracker: Buffer | null = null
  try {
    tracker = readFileSync(trackerPath)
  } catch {
    deps.logger.warn('tracker/dist/t.js is missing: run `npm run build`')
  }
  app.get('/t.js', (_req, res) => {
    if (!tracker) throw new AppError(503, 'tracker_not_built', 'the tracker script has not been built')
    res.set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' })
    res.send(tracker)
  })

  // The public pages' stylesheet and script (page.ts), for every page outside the portal, tracking pages included.
  app.get('/assets/:file', (req, res) => {
    const asset = Object.hasOwn(pageAssets, req.params.file) ? pageAssets[req.params.file] : undefined
    if (!asset) throw new AppError(404, 'not_found', 'no such file')
    res.set({ 'Content-Type': asset.type, 'Cache-Control': assetCacheControl(asset, req.query.v), 'X-Content-Type-Options': 'nosniff' })
    res.send(asset.body)
  })

  app.use('/api/v1', apiRoutes(deps))
  app.use(monetizePages(deps))
  app.use(revenueWebhooks(deps))
  app.get('/', (_req, res) => res.redirect(303, '/portal'))
  app.use('/portal', portalRoutes(deps))
  app.use((_req, _res, next) => next(new AppError(404, 'not_found', 'no such resource')))
  app.use(errorMiddleware(deps.logger))

  const tracking = createTrackingRoutes({
    config: deps.config, storage: deps.storage, logger: deps.logger, clicks: deps.clicks, ingest: deps.ingest,
    requestLog: deps.requestLog, trackingCodes: deps.cache.trackingCodes, campaigns: deps.cache.campaigns, hits: deps.hits, orders: deps.browserOrders,
  })
  // In production every answer (the tracking hot paths and Express alike) tells browsers to use HTTPS only.
  const production = deps.config.NODE_ENV === 'production'
  return (req, res) => {
    if (production) res.setHeader('Strict-Transport-Security', hsts)
    if (tracking(req, res)) return
    // Through a shop's first-party proxy only the tracker and the health check: never the portal or the API
    // under a shop's domain.
    if (req.headers[proxyHeader] !== undefined && !proxiedPages.has((req.url ?? '/').split('?')[0]!)) {
      res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' })
      return void res.end(JSON.stringify({ error: { code: 'not_found', message: 'only the tracking endpoints answer through a first-party proxy' } }))
    }
    app(req, res)
  }
}
