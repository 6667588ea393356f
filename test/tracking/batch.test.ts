import { describe, expect, it } from 'vitest'
import { Batcher } from '../../server/src/tracking/batch.js'

describe('the batcher (group commit)', () => {
  it('stores items added together in one write and settles each caller after it', async () => {
    const writes: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const batcher = new Batcher<number>(async (items) => { writes.push(items); if (writes.length === 1) await gate })
    const first = batcher.add(1)
    let settled = false
    void first.then(() => { settled = true })
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    // While the first write is in flight, later items gather into the next one.
    const later = [2, 3, 4].map((n) => batcher.add(n))
    expect(settled).toBe(false)
    release()
    await Promise.all([first, ...later])
    expect(writes).toEqual([[1], [2, 3, 4]])
  })
  it('rejects exactly the items of a failed write', async () => {
    let fail = true
    const batcher = new Batcher<string>(async () => { if (fail) { fail = false; throw new Error('disk full') } })
    const a = batcher.add('a')
    await expect(a).rejects.toThrow('disk full')
    await expect(batcher.add('b')).resolves.toBeUndefined()
  })
  it('stores every other item of a batch that one bad item makes the store refuse', async () => {
    const stored: string[] = []
    const batcher = new Batcher<string>(async (items) => {
      if (items.includes('bad')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00')
      stored.push(...items)
    })
    const items = ['a', 'b', 'c', 'bad', 'd', 'e', 'f', 'g']
    const results = await Promise.allSettled(items.map((item) => batcher.add(item)))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(stored.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'])
  })
  it('fails the whole batch at once, without retrying halves, when the store is unreachable', async () => {
    let writes = 0
    const batcher = new Batcher<number>(async () => {
      writes++
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    })
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.add(n)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    expect(writes).toBe(1)
  })
  it('splits very large bursts into batches of the maximum size', async () => {
    const sizes: number[] = []
    const batcher = new Batcher<number>(async (items) => { sizes.push(items.length) }, 100)
    await Promise.all(Array.from({ length: 250 }, (_, i) => batcher.add(i)))
    expect(sizes).toEqual([100, 100, 50])
    await batcher.drain()
  })
})
