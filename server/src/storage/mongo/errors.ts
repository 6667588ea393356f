import { UniqueViolation } from '../contract/index.js'

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

/**
 * An unordered insertMany whose only failures are duplicate `_id`s: the documents were stored before (a hit
 * replayed from the spool), and every other document of the batch was inserted. Any other failure is thrown.
 */
export async function ignoreDuplicates(insert: Promise<unknown>): Promise<void> {
  try {
    await insert
  } catch (error) {
    const writeErrors = (error as { writeErrors?: Array<{ code?: number; err?: { code?: number } }> }).writeErrors
    const all = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null
    if (all && all.length > 0 && all.every((e) => (e.code ?? e.err?.code) === 11000)) return
    throw error
  }
}

/** A patch without its undefined fields: a field left undefined is left as it is (as in the postgres driver). */
export const defined = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>
