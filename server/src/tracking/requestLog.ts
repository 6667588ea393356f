// The tracking request log: every click, pixel, form, postback and API conversion request, with its outcome
// and a reason code, so an advertiser can test an integration and no conversion is ever dropped silently.
import { newId } from '../ids.js'
import type { RequestLogEntry, Storage } from '../storage/types.js'
import { Batcher } from './batch.js'

export type RequestRecord = Omit<RequestLogEntry, 'id' | 'at' | 'params' | 'advertiserId' | 'trackingCodeId' | 'linkId' | 'conversionId' | 'clickId' | 'ipHash' | 'userAgent'> &
  Partial<Pick<RequestLogEntry, 'advertiserId' | 'trackingCodeId' | 'linkId' | 'conversionId' | 'clickId' | 'ipHash' | 'userAgent'>> & {
    params: Record<string, unknown>
    /** Given by a spooled hit, so that its replay logs it once, at the time it arrived. */
    id?: string
    at?: Date
  }

/** Parameters that carry credentials are never stored. */
const secretParam = /^(token|signature|sig|secret|key|api_?key|password|authorization)$/i
const maxParams = 30
const maxValue = 200

function sanitizeParams(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  let count = 0
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue
    if (count++ >= maxParams) break
    const key = name.slice(0, 50)
    if (secretParam.test(key)) {
      out[key] = '[redacted]'
      continue
    }
    const text = typeof value === 'string' ? value : Array.isArray(value) ? value.map(String).join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value)
    // Lone surrogates cannot be stored as JSON text: replace them rather than lose the entry.
    const clean = text.toWellFormed().replaceAll('\0', '\uFFFD')
    out[key.toWellFormed().replaceAll('\0', '\uFFFD')] = clean.length > maxValue ? `${clean.slice(0, maxValue)}…` : clean
  }
  return out
}

export class RequestLog {
  readonly #batcher: Batcher<RequestLogEntry>

  constructor(storage: Storage) {
    this.#batcher = new Batcher((entries) => storage.requestLog.append(entries))
  }

  /** Resolves once the entry is stored. */
  record(r: RequestRecord): Promise<void> {
    return this.#batcher.add({
      id: r.id ?? newId('req'),
      at: r.at ?? new Date(),
      kind: r.kind,
      outcome: r.outcome,
      reason: r.reason,
      advertiserId: r.advertiserId ?? null,
      trackingCodeId: r.trackingCodeId ?? null,
      linkId: r.linkId ?? null,
      conversionId: r.conversionId ?? null,
      clickId: r.clickId ?? null,
      params: sanitizeParams(r.params),
      ipHash: r.ipHash ?? null,
      userAgent: r.userAgent ? r.userAgent.slice(0, 300) : null,
    })
  }

  drain(): Promise<void> {
    return this.#batcher.drain()
  }
}
