import { isUnavailable } from '../storage/errors.js'

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
      await this.#store(this.#waiting.splice(0, this.maxBatch))
    }
    this.#inFlight = null
  }

  /**
   * Writes a batch. When the store refuses it for its data, the batch is halved until the refused item is alone:
   * no item's fate depends on who shared its batch. When the store is unreachable, every item fails at once
   * (its caller spools it), without trying the halves.
   */
  async #store(batch: { item: T; resolve(): void; reject(error: unknown): void }[]): Promise<void> {
    try {
      await this.write(batch.map((w) => w.item))
      for (const w of batch) w.resolve()
    } catch (error) {
      if (batch.length === 1 || isUnavailable(error)) {
        for (const w of batch) w.reject(error)
        return
      }
      const half = Math.ceil(batch.length / 2)
      await this.#store(batch.slice(0, half))
      await this.#store(batch.slice(half))
    }
  }
}
