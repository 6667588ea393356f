// Identifiers. Public ones (click ids, link codes, tracking codes, API keys) are random and unguessable.
import { createHash, createHmac, randomBytes } from 'node:crypto'

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'

/** Short random text from a 36-letter alphabet (rejection-free: 256 % 36 bias is negligible for ids). */
function randomText(length: number): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

/** A record id, e.g. `cmp_k3j9x0q2m1v8t7ab`. */
export const newId = (prefix: string) => `${prefix}_${randomText(16)}`

/** A click id: 128 random bits as 22 characters of base64url. */
export const newClickId = () => randomBytes(16).toString('base64url')
export const clickIdPattern = /^[A-Za-z0-9_-]{16,64}$/

/** The code in /c/:code: 10 characters, about 52 bits, plenty against guessing and collisions. */
export const newLinkCode = () => randomText(10)
export const newTrackingCode = () => `TC${randomText(10).toUpperCase()}`
export const newSecret = () => randomBytes(24).toString('base64url')

/** API keys: `nw_` + 32 random bytes. Stored only as SHA-256 (high-entropy keys need no slow hash). */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `nw_${randomBytes(32).toString('base64url')}`
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) }
}
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex')

/** A stable secret derived from the server's secret, for demo credentials that survive restarts. */
export const derivedKey = (secret: string, label: string) =>
  `nw_${createHmac('sha256', secret).update(label).digest('base64url')}`
