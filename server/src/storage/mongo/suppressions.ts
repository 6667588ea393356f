import type { SuppressionRepository } from '../contract/index.js'
import { isDuplicateKey } from './errors.js'
import type { Models } from './models.js'

export function suppressions(m: Models): SuppressionRepository {
  return {
    async add(addressHash) {
      try {
        await m.Suppression.create({ _id: addressHash, createdAt: new Date() })
      } catch (error) {
        // Already suppressed: the first record (and its time) stays.
        if (!isDuplicateKey(error)) throw error
      }
    },
    async has(addressHash) {
      return (await m.Suppression.exists({ _id: addressHash })) !== null
    },
  }
}
