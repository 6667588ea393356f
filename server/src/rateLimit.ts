// Limits on attempts per caller (failed sign-ins, failed API keys, browser orders), counted in the store
// (storage.rateLimits), so that with several processes the limit is one limit, not one per process.
// Fixed windows: a caller's window opens at its first counted attempt and lasts `windowMs`.
import { createHash } from 'node:crypto'
import type { RateLimitRepository } from './storage/types.js'

export class RateLimit {
  constructor(
    readonly store: RateLimitRepository,
    /** Namespaces the keys of this limit in the store. */
    readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Ids may hold an email: only a hash of it is stored. */
  #key(id: string) {
    return `${this.name}:${createHash('sha256').update(id).digest('base64url').slice(0, 22)}`
  }

  /** Milliseconds until `id` may try again; 0 when it may now. */
  async retryAfter(id: string, now = new Date()): Promise<number> {
    const window = await this.store.get(this.#key(id), now)
    return window && window.count >= this.limit ? Math.max(1, window.resetAt.getTime() - now.getTime()) : 0
  }

  /** Counts one attempt; returns how long to wait when it was beyond the limit, else 0. */
  async record(id: string, now = new Date()): Promise<number> {
    const window = await this.store.hit(this.#key(id), this.windowMs, now)
    return window.count > this.limit ? Math.max(1, window.resetAt.getTime() - now.getTime()) : 0
  }

  async clear(id: string): Promise<void> {
    await this.store.clear(this.#key(id))
  }
}

/** Retry-After, in whole seconds rounded up. */
export const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)))
