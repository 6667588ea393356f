// Fixed-window rate-limit counters.

/** A rate-limit key's current window: its hits so far and when it ends. */
export interface RateLimitWindow {
  count: number
  resetAt: Date
}

/**
 * Fixed-window counters shared by every process on the store (failed sign-ins and API keys, browser orders).
 * A key's window opens at its first hit and lasts `windowMs`; a hit after it ends opens a new one.
 */
export interface RateLimitRepository {
  /** Counts one hit, atomically under concurrency; returns the window after it (this hit included). */
  hit(key: string, windowMs: number, now?: Date): Promise<RateLimitWindow>
  /** The key's open window at `now`; null when it has none (never hit, cleared, or ended). */
  get(key: string, now?: Date): Promise<RateLimitWindow | null>
  /** Forgets the key (a successful sign-in); false when it had no window. */
  clear(key: string): Promise<boolean>
  /** Deletes windows that ended before `before`; returns how many. */
  purge(before: Date): Promise<number>
}
