// The composition root of the domain: every use-case, built once from the store, the configuration and the
// job scheduler, and shared by the HTTP layer and the jobs.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAccess, type ApiKeyCache } from './accounts/access.js'
import { createCampaigns } from './campaigns/index.js'
import { createConversions } from './conversions/index.js'
import { createLinks } from './links/index.js'
import { addressHash } from './monetize/addresses.js'
import { createBrowserOrders } from './monetize/browserOrders.js'
import { createCredit } from './monetize/credit.js'
import { createPayouts } from './payouts/index.js'
import { createTrackingCodes } from './trackingCodes/index.js'
import type { Config } from './config.js'
import type { Logger } from './logger.js'
import type { Campaign, Link, Storage, TrackingCode } from './storage/types.js'
import { TtlCache } from './cache.js'
import { createClickRecorder } from './tracking/clicks.js'
import { createHits } from './tracking/hits.js'
import { createConversionIngest } from './tracking/conversions.js'
import { createLifecycle } from './conversions/lifecycle.js'
import { RequestLog } from './tracking/requestLog.js'
import { createMailer, type Mailer } from './monetize/mailer.js'
import { createMonetize } from './monetize/index.js'
import { createRevenue } from './revenue/index.js'

export interface ServiceDeps {
  config: Config
  storage: Storage
  logger: Logger
  scheduleOnce(when: Date, job: string, data: Record<string, unknown>, key: string): Promise<unknown>
  runNow(job: string, data: Record<string, unknown>): Promise<unknown>
  /** Replaces the mailer chosen from the configuration (tests). */
  mailer?: Mailer
}

/**
 * Where spooled hits wait: SPOOL_DIR, else DATA_DIR/spool. A throwaway store (memory://) gets a throwaway
 * folder, as nothing it holds outlives the process anyway.
 */
function spoolDir(config: Config): { dir: string; ephemeral: boolean } {
  if (config.SPOOL_DIR) return { dir: config.SPOOL_DIR, ephemeral: false }
  if (config.DATA_DIR.startsWith('memory://')) return { dir: mkdtempSync(join(tmpdir(), 'network-spool-')), ephemeral: true }
  return { dir: join(config.DATA_DIR, 'spool'), ephemeral: false }
}

/** Hot look-ups are cached this long; a change made by another process shows within it. */
const cacheMs = 30_000

export function createServices(deps: ServiceDeps) {
  const { config, storage, logger } = deps
  const cache = {
    links: new TtlCache<Link | null>(cacheMs),
    campaigns: new TtlCache<Campaign | null>(cacheMs),
    trackingCodes: new TtlCache<TrackingCode | null>(cacheMs),
    // Short: another process's revocation must take effect quickly.
    apiKeys: new TtlCache(10_000) as ApiKeyCache,
  }
  // Built bottom-up: each use-case gets what it calls, already made (no late binding).
  const requestLog = new RequestLog(storage)
  const access = createAccess({ storage, apiKeys: cache.apiKeys })
  const credit = createCredit({ storage })
  const lifecycle = createLifecycle({ storage, logger, scheduleOnce: deps.scheduleOnce, onApproved: credit.spend })
  const ingest = createConversionIngest({ upgradeWindowMs: config.ATTRIBUTION_UPGRADE_HOURS * 3_600_000, storage, requestLog, lifecycle, campaigns: cache.campaigns })
  const mailer = deps.mailer ?? createMailer(config, storage)
  const revenue = createRevenue({
    config, storage, logger, runNow: deps.runNow, suppress: (address) => storage.suppressions.add(addressHash(config.cookieSecret, address)),
  })
  const monetize = createMonetize({ config, storage, logger, mailer, ingest, runNow: deps.runNow, onOrder: (order) => revenue.orderChanged(order) })
  const lookupCode = (code: string) => cache.trackingCodes.get(code, (c) => storage.trackingCodes.getByCode(c))
  const browserOrders = createBrowserOrders({ storage, requestLog, notify: monetize.notify, lookupCode })
  const clicks = createClickRecorder({
    config, storage, requestLog, links: cache.links, campaigns: cache.campaigns, onClick: (click, campaign) => monetize.recordEmailLead(click, campaign),
  })
  const hits = createHits({
    storage, logger, clicks, ingest, requestLog, trackingCodes: cache.trackingCodes,
    spool: { ...spoolDir(config), maxBytes: config.SPOOL_MAX_BYTES },
  })
  return {
    config,
    storage,
    logger,
    cache,
    requestLog,
    access,
    credit,
    campaigns: createCampaigns({ storage, cache: cache.campaigns }),
    links: createLinks({ storage, cache: cache.links, publicUrl: config.publicUrl }),
    trackingCodes: createTrackingCodes({ storage, cache: cache.trackingCodes }),
    conversions: createConversions({ storage, lifecycle }),
    payouts: createPayouts({ storage, minimum: config.PAYOUT_MINIMUM }),
    lifecycle,
    ingest,
    clicks,
    hits,
    mailer,
    monetize,
    browserOrders,
    revenue,
    /** Waits for every batched write to be stored (at shutdown). */
    async drain() {
      await Promise.all([clicks.drain(), requestLog.drain()])
    },
  }
}

export type Services = ReturnType<typeof createServices>
