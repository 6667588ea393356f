// The outage spool on its own: durable appends, replay in order once the store answers, back-off while it
// does not, torn last lines, a size limit that refuses rather than loses, refused hits kept aside.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../server/src/logger.js'
import { Spool, SpoolFullError } from '../../server/src/tracking/spool.js'

const logger = createLogger('silent')
const down = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })

describe('spool', () => {
  const dirs: string[] = []
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-test-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('keeps hits on disk while the store is down and replays them in order, once, when it returns', async () => {
    const dir = folder()
    let storeUp = false
    const stored: number[] = []
    const spool = new Spool<{ n: number }>({
      dir, maxBytes: 1_000_000, logger, chunk: 3,
      async replay(hits) {
        if (!storeUp) throw down()
        stored.push(...hits.map((h) => h.n))
        return hits.map(() => undefined)
      },
    })
    await spool.open()
    await Promise.all(Array.from({ length: 10 }, (_, n) => spool.add({ n })))
    expect(spool.active).toBe(true)
    expect(spool.waiting).toBe(10)
    // Durable before acknowledged: every hit is in a segment file already.
    const onDisk = readdirSync(join(dir, '0')).filter((f) => f.startsWith('spool-')).flatMap((f) => readFileSync(join(dir, '0', f), 'utf8').trim().split('\n'))
    expect(onDisk.map((l) => JSON.parse(l).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    storeUp = true
    await spool.idle()
    expect(stored).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(spool.stats()).toMatchObject({ active: false, waiting: 0, bytes: 0, replayed: 10, rejected: 0 })
    expect(readdirSync(join(dir, '0')).filter((f) => f.startsWith('spool-'))).toEqual([])
    await spool.close()
  })

  it('replays what an earlier process left, skipping a torn last line that was never acknowledged', async () => {
    const dir = folder()
    mkdirSync(join(dir, '0'))
    writeFileSync(join(dir, '0', 'spool-0000000001.jsonl'), '{"n":1}\n{"n":2}\n')
    appendFileSync(join(dir, '0', 'spool-0000000002.jsonl'), '{"n":3}\n{"n":')
    const stored: number[] = []
    const spool = new Spool<{ n: number }>({
      dir, maxBytes: 1_000_000, logger,
      async replay(hits) {
        stored.push(...hits.map((h) => h.n))
        return hits.map(() => undefined)
      },
    })
    await spool.open()
    expect(spool.waiting).toBe(3)
    spool.resume()
    await spool.idle()
    expect(stored).toEqual([1, 2, 3])
    await spool.close()
  })

  it('refuses a hit with SpoolFullError when full, and keeps the ones it has', async () => {
    const dir = folder()
    const spool = new Spool<{ pad: string }>({ dir, maxBytes: 300, logger, replay: async () => Promise.reject(down()) })
    await spool.open()
    await spool.add({ pad: 'x'.repeat(100) })
    await spool.add({ pad: 'y'.repeat(100) })
    await expect(spool.add({ pad: 'z'.repeat(100) })).rejects.toBeInstanceOf(SpoolFullError)
    expect(spool.waiting).toBe(2)
    await spool.close()
    // Still there for the next start.
    const again = new Spool<{ pad: string }>({ dir, maxBytes: 300, logger, replay: async (h) => h.map(() => undefined) })
    await again.open()
    expect(again.waiting).toBe(2)
    await again.close()
  })

  it('gives each process of one folder its own slot, and the next process the slot of one that stopped', async () => {
    const dir = folder()
    const replay = async (hits: unknown[]) => hits.map(() => undefined)
    const first = new Spool<{ n: number }>({ dir, maxBytes: 1_000_000, logger, replay: async () => Promise.reject(down()) })
    const second = new Spool<{ n: number }>({ dir, maxBytes: 1_000_000, logger, replay })
    await first.open()
    await second.open()
    await first.add({ n: 1 })
    expect(readdirSync(dir).sort()).toEqual(['0', '1'])
    expect(readdirSync(join(dir, '0')).some((f) => f.startsWith('spool-'))).toBe(true)
    await first.close()
    // The next process takes the free slot 0 and replays what the first left there.
    const third = new Spool<{ n: number }>({ dir, maxBytes: 1_000_000, logger, replay })
    await third.open()
    expect(third.waiting).toBe(1)
    third.resume()
    await third.idle()
    await Promise.all([second.close(), third.close()])
  })

  it('keeps hits the store refuses for good in rejected.jsonl and goes on with the others', async () => {
    const dir = folder()
    const stored: number[] = []
    const spool = new Spool<{ n: number }>({
      dir, maxBytes: 1_000_000, logger,
      async replay(hits) {
        return hits.map((h) => {
          if (h.n === 2) return new Error('invalid byte sequence')
          stored.push(h.n)
          return undefined
        })
      },
    })
    await spool.open()
    spool.trip()
    await Promise.all([1, 2, 3].map((n) => spool.add({ n })))
    await spool.idle()
    expect(stored).toEqual([1, 3])
    const rejected = readFileSync(join(dir, '0', 'rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(rejected).toEqual([expect.objectContaining({ hit: { n: 2 }, error: 'invalid byte sequence' })])
    expect(spool.stats()).toMatchObject({ replayed: 2, rejected: 1 })
    await spool.close()
  })
})
