// The network server process: configuration → storage → jobs → app → listen, and a graceful stop.
import type { AddressInfo } from 'node:net'
import { createServer, type RequestListener, type Server } from 'node:http'
import { pathToFileURL } from 'node:url'
import { createApp } from './app.js'
import { ConfigError, loadConfig, publicUrlOf, type Config } from './config.js'
import { seedDemo, type DemoCredentials } from './demo/seed.js'
import { createJobs, type JobOptions } from './jobs/index.js'
import { createLogger, type Logger } from './logger.js'
import { createStorage } from './storage/index.js'
import { acquireDataDirLock, usesEmbeddedDataDir, type DataDirLock } from './storage/dataDirLock.js'
import { dataDirCookieSecret } from './cookieSecret.js'
import { createServices, type Services } from './services.js'
import type { Mailer } from './monetize/mailer.js'
import type { Storage } from './storage/types.js'

export interface Network {
  url: string
  server: Server
  storage: Storage
  services: Services
  demo: DemoCredentials | null
  stop(): Promise<void>
}

export interface NetworkOptions {
  jobs?: JobOptions
  demoShopUrl?: string
  demoGardenUrl?: string
  /** Replaces the mailer chosen from the configuration (tests). */
  mailer?: Mailer
  /** The snapshot a `memory://` DATA_DIR starts from (tests). */
  pgliteImage?: Blob
}

export async function startNetwork(baseConfig: Config, logger: Logger, options: NetworkOptions = {}): Promise<Network> {
  // One process per embedded DATA_DIR, checked before anything (the port, the store) is opened.
  const embedded = usesEmbeddedDataDir({ databaseUrl: baseConfig.DATABASE_URL, mongodbUri: baseConfig.MONGODB_URI, dataDir: baseConfig.DATA_DIR })
  const lock = embedded ? await acquireDataDirLock(baseConfig.DATA_DIR) : null
  try {
    return await openNetwork(baseConfig, logger, options, lock)
  } catch (error) {
    await lock?.release()
    throw error
  }
}

async function openNetwork(baseConfig: Config, logger: Logger, options: NetworkOptions, lock: DataDirLock | null): Promise<Network> {
  // Bind the port first (answering 503 until ready), so links and emails carry the real address when it
  // was chosen by the system (PORT=0).
  let handle: RequestListener = (_req, res) => void res.writeHead(503, { 'Retry-After': '1' }).end()
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => handle(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(baseConfig.PORT, baseConfig.HOST, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  // Without COOKIE_SECRET (never in production): the secret kept in DATA_DIR, so cookies survive a restart.
  const cookieSecret = baseConfig.COOKIE_SECRET || baseConfig.DATA_DIR.startsWith('memory://') ? baseConfig.cookieSecret : await dataDirCookieSecret(baseConfig.DATA_DIR)
  const config: Config = { ...baseConfig, publicUrl: publicUrlOf(baseConfig, port), cookieSecret }
  const storage = await createStorage({
    mongodbUri: config.MONGODB_URI, databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, pgliteImage: options.pgliteImage,
    timeouts: { connectMs: config.DB_CONNECT_TIMEOUT_MS, statementMs: config.DB_STATEMENT_TIMEOUT_MS, idleInTransactionMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS },
    onError: (error) => logger.warn({ err: error }, 'store connection lost; it is re-established on next use'),
  })
  await storage.connect()
  const jobs = createJobs(storage, logger, options.jobs)
  const services = createServices({ config, storage, logger, scheduleOnce: jobs.scheduleOnce, runNow: jobs.runNow, mailer: options.mailer })
  await services.hits.open()
  await jobs.start(services)
  const demo = config.SEED_DEMO
    ? await seedDemo(storage, config, options.demoShopUrl ?? `http://127.0.0.1:${config.DEMO_SHOP_PORT}`, options.demoGardenUrl)
    : null
  handle = createApp(services)
  // Hits an earlier process spooled (the store was down when it stopped) are replayed now.
  services.hits.resume()
  let stopping: Promise<void> | undefined
  return {
    url: config.publicUrl,
    server,
    storage,
    services,
    demo,
    stop() {
      // Stop accepting, let in-flight requests finish, then stop jobs and close the store.
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        await services.drain()
        await services.hits.close()
        await jobs.stop()
        await storage.close()
        await lock?.release()
      })()
      return stopping
    },
  }
}

async function main() {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  const logger = createLogger(config.LOG_LEVEL)
  const demoHost = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST
  const demoShopUrl = `http://${demoHost}:${config.DEMO_SHOP_PORT}`
  const demoGardenUrl = `http://${demoHost}:${config.DEMO_GARDEN_PORT}`
  const network = await startNetwork(config, logger, { demoShopUrl, demoGardenUrl })
  const stops: Array<() => Promise<void>> = [network.stop]
  const lines = [`Network        ${network.url}`, `Portal         ${network.url}/portal`, `Health         ${network.url}/healthz`, `Tracker        ${network.url}/t.js`]
  if (config.NODE_ENV !== 'production' && config.DEMO_SHOP_PORT > 0) {
    const { startDemoShop } = await import('../../demo-shop/server.mjs')
    const shop = await startDemoShop({
      port: config.DEMO_SHOP_PORT, gardenPort: config.DEMO_GARDEN_PORT, blogPort: config.DEMO_BLOG_PORT, host: config.HOST, networkUrl: network.url,
      apiKey: network.demo?.accounts.find((a) => a.role === 'advertiser')?.apiKey ?? null,
    })
    stops.unshift(shop.stop)
    lines.push(`Demo shop      ${shop.url}`, `Demo Garden    ${shop.gardenUrl}`, `Publisher blog ${shop.blogUrl}  (start the demo here)`)
    if (!config.MAILGUN_API_KEY) lines.push(`Outbox         ${network.url}/outbox  (offer emails, as no Mailgun key is set)`)
  }
  if (network.demo) {
    lines.push(`Tracked link   ${network.demo.linkUrl}`, `Tracking code  ${network.demo.trackingCode}`)
    for (const account of network.demo.accounts) lines.push(`API key        ${account.role.padEnd(10)} ${account.apiKey}`)
    // Portal passwords only outside production, where a terminal is no place for them.
    if (config.NODE_ENV !== 'production') {
      for (const account of network.demo.accounts) lines.push(`Portal sign-in ${account.role.padEnd(10)} ${account.email.padEnd(24)} ${account.password}`)
    }
  }
  console.log(`\nAffiliate network is running (storage: ${network.storage.driver})\n  ${lines.join('\n  ')}\n\nPress Ctrl-C to stop.`)

  let signalled = false
  const shutdown = async (signal: string) => {
    if (signalled) return
    signalled = true
    logger.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    for (const stop of stops) await stop()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error('failed to start:', error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
