// The outage spool. While the store cannot be reached, tracking hits (clicks, pixels, beacons, forms) are not
// refused: each is appended to a file journal, fsync'd before the hit is answered, and replayed in order —
// exactly once, through the hits' own idempotent keys — when the store is back.
//
// The rule: a hit is answered only once it is durable, in the store or in the spool. While the spool holds
// anything, new hits join it rather than overtake it, so a conversion is never replayed before the click it
// names. The journal is a folder of segments (`spool-<n>.jsonl`, one JSON hit a line); appends that arrive
// during an fsync are written and synced together (group commit); a replayed segment is deleted. A crash
// mid-replay replays its segment again, which the idempotent keys make harmless; a torn last line was never
// acknowledged and is skipped.
import { mkdir, open, readdir, readFile, rm, stat, unlink, appendFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../errors.js'
import type { Logger } from '../logger.js'
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from '../storage/dataDirLock.js'
import { isUnavailable } from '../storage/errors.js'

export interface SpoolStats {
  /** Whether new hits go to the spool (it holds hits, or the store was found unreachable). */
  active: boolean
  /** Hits waiting to be replayed. */
  waiting: number
  bytes: number
  maxBytes: number
  /** Since start: hits replayed into the store, and hits the store refused for good (kept in rejected.jsonl). */
  replayed: number
  rejected: number
}

/** The spool reached SPOOL_MAX_BYTES: the hit cannot be kept, so it is refused (503) rather than lost silently. */
export class SpoolFullError extends AppError {
  constructor(maxBytes: number) {
    super(503, 'spool_full', `the tracking spool is full (${maxBytes} bytes) while the store is unreachable; try again later`)
  }
}

export interface SpoolOptions<T> {
  dir: string
  maxBytes: number
  logger: Logger
  /**
   * Stores a chunk of hits, in order. Throws only when the store is unreachable (the chunk is tried again
   * later); returns, per hit, the error that refused it for good, or undefined.
   */
  replay(hits: T[]): Promise<Array<unknown>>
  /** Hits replayed per round trip. */
  chunk?: number
  /** A throwaway folder (the store is memory://): removed at close. */
  ephemeral?: boolean
}

interface Segment {
  n: number
  path: string
  entries: number
  bytes: number
  /** Entries of this segment already replayed in this process. */
  done: number
}

const maxSlots = 256
const segmentName = (n: number) => `spool-${String(n).padStart(10, '0')}.jsonl`
const backoffFirstMs = 100
const backoffMaxMs = 2_000
/** While the store stays away, the log says how many hits wait this often. */
const reportEveryMs = 30_000

export class Spool<T> {
  readonly #o: SpoolOptions<T>
  /** Closed segments, oldest first, then the open one (if any) last. */
  #segments: Segment[] = []
  #current: { segment: Segment; handle: FileHandle } | null = null
  #queue: { line: string; resolve(): void; reject(error: unknown): void }[] = []
  #queuedBytes = 0
  /** Every file operation (a batch written and synced, a segment closed) runs on this chain, one at a time. */
  #io: Promise<void> = Promise.resolve()
  #flushPending = false
  #tripped = false
  #replaying: Promise<void> | null = null
  #closed = false
  #wake: (() => void) | null = null
  #replayed = 0
  #rejected = 0
  #idleWaiters: Array<() => void> = []
  /** This process's slot of the spool folder (see open). */
  #dir = ''
  #lock: DataDirLock | null = null
  #reportedAt = 0

  constructor(options: SpoolOptions<T>) {
    this.#o = options
  }

  /** Opens the folder; hits left by an earlier process are replayed once the caller calls resume(). */
  async open(): Promise<void> {
    // Each process spools into a numbered slot of the folder that it holds a lock on, so several processes
    // may share one SPOOL_DIR (or DATA_DIR); a slot whose process died is taken over — and replayed — by
    // the next process to start.
    for (let slot = 0; !this.#lock; slot++) {
      try {
        this.#lock = await acquireDataDirLock(join(this.#o.dir, String(slot)))
        this.#dir = join(this.#o.dir, String(slot))
      } catch (error) {
        if (!(error instanceof DataDirLockedError) || slot >= maxSlots) throw error
      }
    }
    await mkdir(this.#dir, { recursive: true })
    const names = (await readdir(this.#dir)).filter((n) => /^spool-\d+\.jsonl$/.test(n)).sort()
    for (const name of names) {
      const path = join(this.#dir, name)
      const text = await readFile(path, 'utf8')
      const entries = parseLines(text).length
      if (entries === 0) {
        await unlink(path)
        continue
      }
      this.#segments.push({ n: Number(name.slice(6, -6)), path, entries, bytes: (await stat(path)).size, done: 0 })
    }
    if (this.#segments.length > 0) this.#o.logger.warn({ waiting: this.waiting }, 'tracking spool holds hits from an earlier run; replaying')
  }

  /** Starts replaying what the spool holds (after the store connected). */
  resume(): void {
    if (this.waiting > 0) this.#kick()
  }

  /** True while new hits must go to the spool. */
  get active(): boolean {
    return this.#tripped || this.waiting > 0
  }

  get waiting(): number {
    return this.#segments.reduce((n, s) => n + s.entries - s.done, 0) + this.#queue.length
  }

  stats(): SpoolStats {
    return {
      active: this.active, waiting: this.waiting, bytes: this.#bytes(), maxBytes: this.#o.maxBytes,
      replayed: this.#replayed, rejected: this.#rejected,
    }
  }

  /** The store was found unreachable: hits go to the spool from now on, until it has been replayed. */
  trip(): void {
    if (this.#closed) return
    if (!this.#tripped) this.#o.logger.warn('store unreachable: tracking hits are spooled until it returns')
    this.#tripped = true
    this.#kick()
  }

  /** Appends a hit; resolves once it is on disk (fsync'd). Throws SpoolFullError when the spool is full. */
  add(hit: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the spool is closed'))
    const line = `${JSON.stringify(hit)}\n`
    const size = Buffer.byteLength(line)
    if (this.#bytes() + size > this.#o.maxBytes) {
      this.#o.logger.error({ maxBytes: this.#o.maxBytes }, 'tracking spool is full: hits are refused until the store returns')
      return Promise.reject(new SpoolFullError(this.#o.maxBytes))
    }
    this.#tripped = true
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ line, resolve, reject })
      this.#queuedBytes += size
      if (!this.#flushPending) {
        this.#flushPending = true
        this.#io = this.#io.then(() => this.#flush())
      }
      this.#kick()
    })
  }

  /** Resolves when the spool is empty and inactive (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.active) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Stops replaying and closes the journal; what is waiting stays on disk for the next start. */
  async close(): Promise<void> {
    this.#closed = true
    this.#wake?.()
    await this.#io
    await this.#replaying
    if (this.#current) {
      await this.#current.handle.close()
      if (this.#current.segment.entries === 0) await rm(this.#current.segment.path, { force: true })
      this.#current = null
    }
    await this.#lock?.release()
    this.#lock = null
    if (this.#o.ephemeral) await rm(this.#o.dir, { recursive: true, force: true })
  }

  #bytes(): number {
    return this.#segments.reduce((n, s) => n + s.bytes, 0) + this.#queuedBytes
  }

  /** Writes and syncs everything queued so far as one batch (group commit). Runs on the io chain. */
  async #flush(): Promise<void> {
    this.#flushPending = false
    const batch = this.#queue.splice(0)
    if (batch.length === 0) return
    const data = batch.map((w) => w.line).join('')
    const bytes = Buffer.byteLength(data)
    try {
      if (!this.#current) {
        const n = (this.#segments.at(-1)?.n ?? 0) + 1
        const segment: Segment = { n, path: join(this.#dir, segmentName(n)), entries: 0, bytes: 0, done: 0 }
        const handle = await open(segment.path, 'a')
        this.#segments.push(segment)
        this.#current = { segment, handle }
      }
      const { segment, handle } = this.#current
      await handle.write(data)
      await handle.datasync()
      segment.entries += batch.length
      segment.bytes += bytes
      this.#queuedBytes -= bytes
      for (const w of batch) w.resolve()
    } catch (error) {
      this.#queuedBytes -= bytes
      this.#o.logger.error({ err: error }, 'could not write the tracking spool')
      for (const w of batch) w.reject(error)
    }
  }

  /** Closes the open segment so that it can be replayed; later hits start a new one. Runs on the io chain. */
  #rotate(): Promise<void> {
    this.#io = this.#io.then(async () => {
      const current = this.#current
      if (!current) return
      this.#current = null
      await current.handle.close()
      if (current.segment.entries === 0) {
        this.#segments = this.#segments.filter((s) => s !== current.segment)
        await rm(current.segment.path, { force: true })
      }
    })
    return this.#io
  }

  /** Starts the replay loop unless it runs; a loop backing off is not woken (the store is still down). */
  #kick(): void {
    if (this.#replaying || this.#closed) return
    this.#replaying = this.#replayLoop().finally(() => {
      this.#replaying = null
      // A hit added while the loop was finishing must not wait for the next one.
      if (this.waiting > 0) this.#kick()
    })
  }

  async #replayLoop(): Promise<void> {
    let delay = 0
    while (!this.#closed) {
      const next = this.#segments.find((s) => s !== this.#current?.segment)
      if (!next) {
        if (this.#current || this.#queue.length > 0 || this.#flushPending) {
          await this.#rotate()
          if (this.#segments.length > 0 || this.#queue.length > 0 || this.#flushPending) continue
        }
        // Empty: hits go to the store again. Checked and switched in one turn, so no append can slip between.
        if (this.#queue.length === 0 && !this.#flushPending && this.#segments.length === 0) {
          if (this.#tripped) this.#o.logger.info({ replayed: this.#replayed }, 'tracking spool replayed; hits go to the store again')
          this.#tripped = false
          for (const resolve of this.#idleWaiters.splice(0)) resolve()
          return
        }
        continue
      }
      try {
        await this.#replaySegment(next)
        delay = 0
      } catch (error) {
        if (!isUnavailable(error)) this.#o.logger.error({ err: error }, 'tracking spool replay failed; retrying')
        if (Date.now() - this.#reportedAt > reportEveryMs) {
          this.#reportedAt = Date.now()
          this.#o.logger.warn({ waiting: this.waiting, bytes: this.#bytes() }, 'store still unreachable: tracking hits wait in the spool')
        }
        delay = Math.min(Math.max(backoffFirstMs, delay * 2), backoffMaxMs)
        await this.#sleep(delay)
      }
    }
  }

  async #replaySegment(segment: Segment): Promise<void> {
    const hits = parseLines(await readFile(segment.path, 'utf8')) as T[]
    const chunk = this.#o.chunk ?? 200
    while (segment.done < hits.length) {
      if (this.#closed) return
      const part = hits.slice(segment.done, segment.done + chunk)
      const errors = await this.#o.replay(part)
      const refused = part.flatMap((hit, i) => (errors[i] === undefined ? [] : [{ hit, error: String((errors[i] as Error)?.message ?? errors[i]) }]))
      if (refused.length > 0) {
        // Kept, never dropped silently: an operator can read and re-send them.
        await appendFile(join(this.#dir, 'rejected.jsonl'), refused.map((r) => `${JSON.stringify({ at: new Date().toISOString(), ...r })}\n`).join(''))
        this.#o.logger.error({ count: refused.length, first: refused[0]?.error }, 'spooled hits refused by the store; kept in rejected.jsonl')
        this.#rejected += refused.length
      }
      segment.done += part.length
      this.#replayed += part.length - refused.length
    }
    await unlink(segment.path)
    this.#segments = this.#segments.filter((s) => s !== segment)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null
        resolve()
      }, ms)
      this.#wake = () => {
        clearTimeout(timer)
        this.#wake = null
        resolve()
      }
    })
  }
}

/** One hit a line; a last line without its newline is a write torn by a crash, never acknowledged. */
function parseLines(text: string): unknown[] {
  const lines = text.split('\n')
  const complete = lines.slice(0, -1)
  return complete.filter((l) => l.trim() !== '').flatMap((l) => {
    try {
      return [JSON.parse(l)]
    } catch {
      return []
    }
  })
}
