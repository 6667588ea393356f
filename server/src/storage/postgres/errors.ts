import { UniqueViolation } from '../contract/index.js'

/** Turns a unique-constraint error from PostgreSQL or PGlite into the contract's UniqueViolation. */
export async function uniquely<T>(entity: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new UniqueViolation(entity)
    throw error
  }
}
