// In-memory limits on sign-in and sign-up attempts, per key (an IP hash, or an IP hash with an email).
// Per process: with several processes an attacker gets the limit once per process, which still stops
// guessing at any useful rate.

export class AttemptLimiter {
  readonly #times = new Map<string, number[]>()

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    /** Beyond this many keys the oldest is forgotten, so memory stays bounded. */
    readonly maxKeys = 50_000,
  ) {}

  #recent(key: string, now: number): number[] {
    const times = (this.#times.get(key) ?? []).filter((t) => now - t < this.windowMs)
    if (times.length === 0) this.#times.delete(key)
    else this.#times.set(key, times)
    return times
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const times = this.#recent(key, now)
    return times.length >= this.limit ? (times[0] as number) + this.windowMs - now : 0
  }

  record(key: string, now = Date.now()): void {
    const times = [...this.#recent(key, now), now]
    // Re-inserted, so the map's first key is always the one least recently tried.
    this.#times.delete(key)
    this.#times.set(key, times)
    if (this.#times.size > this.maxKeys) this.#times.delete(this.#times.keys().next().value as string)
  }

  clear(key: string): void {
    this.#times.delete(key)
  }
}

/** "3 minutes", "1 minute": how long to wait, rounded up. */
export const waitText = (ms: number) => {
  const minutes = Math.max(1, Math.ceil(ms / 60_000))
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}
