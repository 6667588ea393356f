// Portal passwords: argon2id (memory-hard), 19 MiB and 2 passes — OWASP's recommended minimum — about 25 ms
// per hash here, paid only at sign-in and when a password is set.
import { hash, verify } from '@node-rs/argon2'

// Spelled out so that a change of the library's defaults never changes how new hashes are made.
// (The algorithm is the library's default, argon2id; its enum cannot be imported under isolatedModules.)
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

const minPasswordLength = 10
export const maxPasswordLength = 200

export const hashPassword = (password: string) => hash(password, options)

let dummy: Promise<string> | undefined

/**
 * True when `password` matches `stored`. An account without a password still costs one verification, so
 * the answer takes as long whether or not the email exists.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  try {
    if (!stored) {
      await verify(await (dummy ??= hashPassword('no account has this password')), password)
      return false
    }
    return await verify(stored, password)
  } catch {
    // A malformed stored hash is no match.
    return false
  }
}

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < minPasswordLength) return `The password must have at least ${minPasswordLength} characters.`
  if (password.length > maxPasswordLength) return `The password must have at most ${maxPasswordLength} characters.`
  return null
}
