// Group commit: writes arriving while a write is in flight are gathered and stored together in one round
// trip. Each caller's promise settles only when its own item is durably stored (or failed to be).
export class Batcher<T> {
  #waiting: { item: T; resolve(): void; reject(error: unknown): void }[] = []
  #inFlight: Promise<void> | null = null

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject })
      if (!this.#inFlight) this.#inFlight = this.#run()
    })
  }

  /** Resolves once everything added so far has been written. */
  async drain(): Promise<void> {
    while (this.#inFlight) await this.#inFlight
  }

  async #run(): Promise<void> {
    // Let the current turn of the event loop add its items first.
    await new Promise<void>((resolve) => setImmediate(resolve))
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.maxBatch)
      try {
        await this.write(batch.map((w) => w.item))
        for (const w of batch) w.resolve()
      } catch (error) {
        for (const w of batch) w.reject(error)
      }
    }
    this.#inFlight = null
  }
}
