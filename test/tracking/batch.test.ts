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
  it('splits very large bursts into batches of the maximum size', async () => {
    const sizes: number[] = []
    const batcher = new Batcher<number>(async (items) => { sizes.push(items.length) }, 100)
    await Promise.all(Array.from({ length: 250 }, (_, i) => batcher.add(i)))
    expect(sizes).toEqual([100, 100, 50])
    await batcher.drain()
  })
})
