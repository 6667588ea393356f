// Tracking hits: what a click, pixel, beacon or form brings, captured from the request before the store is
// asked anything (its ids and arrival time fixed then), and stored either at once or — while the store is
// unreachable — through the spool, which replays it later with the same ids. The rule (ARCHITECTURE.md):
// a hit is answered only once it is durable, in the store or in the spool.
import { AppError } from '../errors.js'
import type { Logger } from '../logger.js'
import { isUnavailable } from '../storage/errors.js'
import type { Storage, TrackingCode } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import type { ClickRecorder, ClickResult } from './clicks.js'
import type { ConversionIngest, ConversionOutcome } from './conversions.js'
import type { ClickMap } from './networkCookie.js'
import { conversionParams } from './params.js'
import type { RequestLog } from './requestLog.js'
import { Spool } from './spool.js'

export interface ClickHit {
  type: 'click'
  /** Arrival time, ms since the epoch. */
  at: number
  id: string
  logId: string
  code: string
  /** The query string, without '?'. */
  query: string
  ipHash: string
  visitorKey: string
  userAgent: string
  referrer: string | null
  cookieClicks: ClickMap
}

export interface ConversionHit {
  type: 'conversion'
  kind: 'pixel' | 'script' | 'form'
  at: number
  logId: string
  conversionId: string
  raw: Record<string, string>
  ipHash: string
  userAgent: string | null
  cookieClicks: ClickMap
}

export type Hit = ClickHit | ConversionHit

export interface HitDeps {
  storage: Storage
  logger: Logger
  clicks: ClickRecorder
  ingest: ConversionIngest
  requestLog: RequestLog
  trackingCodes: TtlCache<TrackingCode | null>
  spool: { dir: string; maxBytes: number; ephemeral?: boolean }
}

/** The store is down and this hit cannot be answered without it (a link never seen by this process). */
class HitUnavailableError extends AppError {
  constructor() {
    super(503, 'store_unavailable', 'the network is briefly unavailable; try again in a moment')
  }
}

export function createHits(deps: HitDeps) {
  const spool = new Spool<Hit>({ ...deps.spool, logger: deps.logger, replay })

  const codeOf = (raw: Record<string, string>) => conversionParams(raw).code?.slice(0, 100)

  /** A tracking code from the cache; while the store is down, a stale entry (or undefined: not known here). */
  async function lookupCode(code: string | undefined, offline: boolean): Promise<TrackingCode | null | undefined> {
    if (!code) return null
    if (offline) {
      const known = deps.trackingCodes.peek(code)
      if (known) return known.value
    }
    try {
      return await deps.trackingCodes.get(code, (c) => deps.storage.trackingCodes.getByCode(c))
    } catch (error) {
      if (isUnavailable(error)) return undefined
      throw error
    }
  }

  const clickInput = (hit: ClickHit) => ({
    code: hit.code, query: new URLSearchParams(hit.query), ipHash: hit.ipHash, visitorKey: hit.visitorKey,
    userAgent: hit.userAgent, referrer: hit.referrer, cookieClicks: hit.cookieClicks, id: hit.id, at: new Date(hit.at), logId: hit.logId,
  })

  /** Stores a conversion hit: the one ingestion use-case, behind the tracking code's checks. */
  async function storeConversion(hit: ConversionHit): Promise<{ trackingCode: TrackingCode | null; outcome: ConversionOutcome }> {
    const params = conversionParams(hit.raw)
    const code = params.code?.slice(0, 100)
    const trackingCode = code ? await deps.trackingCodes.get(code, (c) => deps.storage.trackingCodes.getByCode(c)) : null
    const at = new Date(hit.at)
    if (!trackingCode || trackingCode.status !== 'active') {
      const reason = params.code ? 'unknown_code' : 'missing_code'
      await deps.requestLog.record({
        kind: hit.kind, outcome: 'rejected', reason, params: hit.raw, ipHash: hit.ipHash, userAgent: hit.userAgent,
        advertiserId: trackingCode?.advertiserId, id: hit.logId, at,
      })
      throw new AppError(400, reason, params.code ? 'the tracking code is unknown or paused' : 't (the tracking code) is required', 't')
    }
    const outcome = await deps.ingest({
      source: hit.kind, kind: hit.kind, advertiserId: trackingCode.advertiserId, trackingCode, params,
      cookieClicks: hit.cookieClicks, raw: hit.raw, ipHash: hit.ipHash, userAgent: hit.userAgent,
      at, conversionId: hit.conversionId, logId: hit.logId,
    })
    return { trackingCode, outcome }
  }

  /** Appends a hit to the spool (durably) after the store was found unreachable. */
  async function toSpool(hit: Hit): Promise<void> {
    spool.trip()
    await spool.add(hit)
  }

  /** Replays a chunk in order: its clicks first, so that a conversion naming one of them finds it. */
  async function replay(hits: Hit[]): Promise<unknown[]> {
    const errors: unknown[] = new Array(hits.length).fill(undefined)
    const run = async (i: number) => {
      const hit = hits[i] as Hit
      try {
        if (hit.type === 'click') {
          const input = clickInput(hit)
          await deps.clicks.record(input, await deps.clicks.resolve(input.code))
        } else {
          await storeConversion(hit)
        }
      } catch (error) {
        // Refused with a reason (already in the request log): replayed as it would have been answered.
        if (error instanceof AppError) return
        if (isUnavailable(error)) throw error
        errors[i] = error
      }
    }
    const indexes = hits.map((_, i) => i)
    for (const group of [indexes.filter((i) => hits[i]?.type === 'click'), indexes.filter((i) => hits[i]?.type !== 'click')]) {
      const results = await Promise.allSettled(group.map(run))
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (lost) throw lost.reason
    }
    return errors
  }

  return {
    spool,
    /** Records a click, or spools it while the store is down; null when there is no way to answer it. */
    async click(hit: ClickHit): Promise<ClickResult> {
      const input = clickInput(hit)
      const offline = spool.active
      const cachedLink = offline ? deps.clicks.peek(input.code) : undefined
      let target
      try {
        target = cachedLink ?? (await deps.clicks.resolve(input.code))
      } catch (error) {
        if (isUnavailable(error)) {
          spool.trip()
          throw new HitUnavailableError()
        }
        throw error
      }
      if (!spool.active) {
        try {
          return await deps.clicks.record(input, target)
        } catch (error) {
          if (!isUnavailable(error)) throw error
        }
      }
      await toSpool(hit)
      return deps.clicks.answer(input, target)
    },

    /** Records a pixel, beacon or form conversion, or spools it while the store is down. */
    async conversion(hit: ConversionHit): Promise<{ trackingCode: TrackingCode | null | undefined; outcome: ConversionOutcome | null }> {
      if (!spool.active) {
        try {
          return await storeConversion(hit)
        } catch (error) {
          if (!isUnavailable(error)) throw error
        }
      }
      await toSpool(hit)
      return { trackingCode: await lookupCode(codeOf(hit.raw), true), outcome: null }
    },

    async open() {
      await spool.open()
    },
    resume: () => spool.resume(),
    close: () => spool.close(),
  }
}

export type Hits = ReturnType<typeof createHits>
