// A small time-bounded cache for hot look-ups (links, campaigns, tracking codes by code). Entries live for
// `ttlMs`, so a change made through another process is seen within that time; this process deletes
// entries itself when it changes them.
export class TtlCache<V> {
  #entries = new Map<string, { value: V; expires: number }>()

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: (key: string) => Promise<V>): Promise<V> {
    const now = Date.now()
    const hit = this.#entries.get(key)
    if (hit && hit.expires > now) return hit.value
    const value = await load(key)
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(key, { value, expires: now + this.ttlMs })
    return value
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}
