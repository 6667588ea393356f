// Limits on sign-in and sign-up attempts, per key (an IP hash, or an IP hash with an email), counted in the
// store (rateLimit.ts): every process of the network shares one count.
export { RateLimit as AttemptLimiter } from '../rateLimit.js'

/** "3 minutes", "1 minute": how long to wait, rounded up. */
export const waitText = (ms: number) => {
  const minutes = Math.max(1, Math.ceil(ms / 60_000))
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}
