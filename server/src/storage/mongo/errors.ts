import { UniqueViolation } from '../types.js'

/** MongoDB's duplicate-key error (a unique index refused a write), as thrown by inserts and bulk writes. */
export const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000

/** Turns a duplicate-key error from MongoDB into the contract's UniqueViolation. */
export async function uniquely<T>(entity: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (isDuplicateKey(error)) throw new UniqueViolation(entity)
    throw error
  }
}
