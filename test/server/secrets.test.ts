// sameSecret: the one constant-time comparison of a secret someone sent with the expected one.
import { describe, expect, it } from 'vitest'
import { sameSecret } from '../../server/src/secrets.js'

describe('sameSecret', () => {
  it('is true for the same secret only, and false — never a throw — for anything else', () => {
    expect(sameSecret('s3cret-token', 's3cret-token')).toBe(true)
    expect(sameSecret('s3cret-tokem', 's3cret-token')).toBe(false)
    expect(sameSecret('s3cret-toke', 's3cret-token')).toBe(false)
    expect(sameSecret('s3cret-token!', 's3cret-token')).toBe(false)
    expect(sameSecret('', 's3cret-token')).toBe(false)
    // As long in characters, longer in bytes: timingSafeEqual would throw on it.
    expect(sameSecret('é'.repeat(12), 's3cret-token')).toBe(false)
    for (const given of [undefined, null, 12, ['s3cret-token'], { token: 's3cret-token' }]) expect(sameSecret(given, 's3cret-token')).toBe(false)
    expect(sameSecret('', '')).toBe(true)
    expect(sameSecret('ünïcode', 'ünïcode')).toBe(true)
  })
})
