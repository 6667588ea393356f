// Comparing a secret someone sent (a token, a signature, a key) with the one expected, in constant time: the
// time taken says nothing about how much of it was right. One rule for every caller: the byte lengths first
// (timingSafeEqual throws on unequal lengths — a string of the right length in characters can still differ in
// bytes), and anything that is not a string is simply wrong.
import { timingSafeEqual } from 'node:crypto'

export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
