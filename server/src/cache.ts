// A small time-bounded cache for hot look-ups (links, campaigns, tracking codes by code). Entries live for
// `ttlMs`, so a change made through another process is seen within that time; this process deletes
// entries itself when it changes them. An expired entry is kept (up to `maxEntries`) and served when the
// store cannot be reached: a known link still redirects during an outage.
import { isUnavailable } from './storage/errors.js'

export class TtlCache<V> {
  #entries = new Map<string, { value: V; expires: number }>()
  /** Loads in flight: concurrent misses for one key share a single load. */
  #loading = new Map<string, Promise<V>>()

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: (key: string) => Promise<V>): Promise<V> {
    const now = Date.now()
    const hit = this.#entries.get(key)
    if (hit && hit.expires > now) return hit.value
    const pending = this.#loading.get(key)
    if (pending) return pending
    const loading = load(key).then((value) => {
      this.#entries.delete(key)
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
      this.#entries.set(key, { value, expires: Date.now() + this.ttlMs })
      return value
    }, (error: unknown) => {
      if (hit && isUnavailable(error)) return hit.value
      throw error
    }).finally(() => this.#loading.delete(key))
    this.#loading.set(key, loading)
    return loading
  }

  /** The entry for `key`, even an expired one, without asking the store (while it is known to be down). */
  peek(key: string): { value: V } | undefined {
    const hit = this.#entries.get(key)
    return hit && { value: hit.value }
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}
