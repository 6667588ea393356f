import type { RateLimitRepository, RateLimitWindow } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import type { Models, RateLimitDoc } from './models.js'

const toWindow = (d: RateLimitDoc): RateLimitWindow => ({ count: d.count, resetAt: d.resetAt })

export function rateLimits(m: Models): RateLimitRepository {
  // One findOneAndUpdate with a pipeline: the count grows while the window is open, else a new window opens.
  // (A missing document compares below any date, so an upsert opens the first window.)
  const hitOnce = (key: string, now: Date, resetAt: Date) => {
    const open = { $gt: ['$resetAt', now] }
    return m.RateLimit.findOneAndUpdate(
      { _id: key },
      [{ $set: { count: { $cond: [open, { $add: ['$count', 1] }, 1] }, resetAt: { $cond: [open, '$resetAt', resetAt] } } }],
      { upsert: true, returnDocument: 'after', updatePipeline: true },
    ).lean<RateLimitDoc>()
  }
  return {
    async hit(key, windowMs, now = new Date()) {
      const resetAt = new Date(now.getTime() + windowMs)
      let d: RateLimitDoc | null
      try {
        d = await hitOnce(key, now, resetAt)
      } catch (error) {
        // Two first hits at once: the server retries such upserts itself, older servers leave it to us; the
        // second attempt finds the document and updates it.
        if (!isDuplicateKey(error)) throw error
        d = await hitOnce(key, now, resetAt)
      }
      return toWindow(d!)
    },
    async get(key, now = new Date()) {
      const d = await m.RateLimit.findOne({ _id: key, resetAt: { $gt: now } }).lean<RateLimitDoc>()
      return d ? toWindow(d) : null
    },
    async clear(key) {
      const { deletedCount } = await m.RateLimit.deleteOne({ _id: key })
      return deletedCount > 0
    },
    async purge(before) {
      const { deletedCount } = await m.RateLimit.deleteMany({ resetAt: { $lt: before } })
      return deletedCount
    },
  }
}
