// Revenue from campaigns: webhook signature tokens already seen.
import type { WebhookTokenRepository } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import type { Models } from './models.js'

export function webhookTokens(m: Models): WebhookTokenRepository {
  return {
    async use(token, at) {
      try {
        await m.WebhookToken.create({ _id: token, at })
        return true
      } catch (error) {
        if (isDuplicateKey(error)) return false
        throw error
      }
    },
    async purgeBefore(before) {
      const { deletedCount } = await m.WebhookToken.deleteMany({ at: { $lt: before } })
      return deletedCount
    },
  }
}
