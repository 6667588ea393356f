// The composition root of the domain: every use-case, built once from the store, the configuration and the
// job scheduler, and shared by the HTTP layer and the jobs.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApiKeyCache } from './api/auth.js'
import type { Config } from './config.js'
import type { Logger } from './logger.js'
import type { AccountPatch, Campaign, Link, Storage, TrackingCode } from './storage/types.js'
import { TtlCache } from './tracking/cache.js'
import { createClickRecorder } from './tracking/clicks.js'
import { createHits } from './tracking/hits.js'
import { createConversionIngest } from './tracking/conversions.js'
import { createLifecycle } from './tracking/lifecycle.js'
import { RequestLog } from './tracking/requestLog.js'
import { createMailer, type Mailer } from './monetize/mailer.js'
import { createMonetize, type Monetize } from './monetize/index.js'
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
  const requestLog = new RequestLog(storage)
  // Declared before use by the hooks below; assigned once everything it needs exists.
  let monetize: Monetize
  const lifecycle = createLifecycle({ storage, logger, scheduleOnce: deps.scheduleOnce, onApproved: (c) => monetize.spendCredit(c) })
  const ingest = createConversionIngest({ upgradeWindowMs: config.ATTRIBUTION_UPGRADE_HOURS * 3_600_000, storage, requestLog, lifecycle, campaigns: cache.campaigns })
  const mailer = deps.mailer ?? createMailer(config, storage)
  const revenue = createRevenue({
    config, storage, logger, runNow: deps.runNow, suppress: (address) => storage.suppressions.add(monetize.addressHash(address)),
  })
  monetize = createMonetize({ config, storage, logger, mailer, ingest, runNow: deps.runNow, onOrder: (order) => revenue.orderChanged(order) })
  const clicks = createClickRecorder({
    config, storage, requestLog, links: cache.links, campaigns: cache.campaigns, onClick: (click, campaign) => monetize.recordEmailLead(click, campaign),
  })
  const hits = createHits({
    storage, logger, clicks, ingest, requestLog, trackingCodes: cache.trackingCodes,
    spool: { ...spoolDir(config), maxBytes: config.SPOOL_MAX_BYTES },
  })
  // Who may use the API: a revoked key or a changed account must stop (or start) working at once, so these
  // changes go through here and drop this process's key cache (other processes follow within its 10 s).
  const access = {
    async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
      const revoked = await storage.apiKeys.revoke(accountId, keyId)
      if (revoked) cache.apiKeys.clear()
      return revoked
    },
    async updateAccount(id: string, patch: AccountPatch) {
      const account = await storage.accounts.update(id, patch)
      cache.apiKeys.clear()
      return account
    },
  }
  return {
    config,
    storage,
    access,
    logger,
    cache,
    requestLog,
    lifecycle,
    ingest,
    clicks,
    hits,
    mailer,
    monetize,
    revenue,
    /** Waits for every batched write to be stored (at shutdown). */
    async drain() {
      await Promise.all([clicks.drain(), requestLog.drain()])
    },
  }
}

export type Services = ReturnType<typeof createServices>
