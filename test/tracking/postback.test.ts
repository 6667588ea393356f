// authenticatePostback() on its own: the token, the HMAC signature over the parameters as sent, and its age to
// the second. conversions.test.ts sends real postbacks through HTTP; snippetsRun.test.ts runs the snippets that
// sign them.
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { authenticatePostback, postbackSignature, signatureMaxAgeSeconds } from '../../server/src/tracking/postback.js'

const secret = 'not-a-real-secret-for-tests'
const now = Date.parse('2026-06-30T12:00:00.000Z')
const ts = String(now / 1000)
const params = { code: 'TC1', orderId: 'A-1', amount: '12.50', currency: 'EUR', clickId: 'AAAAAAAAAAAAAAAAAAAAAA' }
/** What an advertiser's server computes, written out here independently of the module. */
const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex')

describe('authenticatePostback', () => {
  it('a token equal to the secret passes; any other token is refused naming token, even beside a good signature', () => {
    expect(authenticatePostback(secret, { token: secret }, params, now)).toBeNull()
    const bad = { reason: 'bad_token', message: 'token does not match the tracking code’s postback secret', field: 'token' }
    for (const token of ['', secret.slice(0, -1), `${secret}x`, secret.toUpperCase()]) {
      expect(authenticatePostback(secret, { token }, params, now), token).toEqual(bad)
    }
    const signature = hmac(`TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`)
    expect(authenticatePostback(secret, { token: 'wrong', signature, ts }, params, now)).toEqual(bad)
  })

  it('a signature is HMAC-SHA256 of t|id|amount|currency|nclid|ts in hex, either case; absent parameters are empty', () => {
    expect(postbackSignature(secret, params, ts)).toBe(hmac(`TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`))
    expect(authenticatePostback(secret, { signature: hmac(`TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`), ts }, params, now)).toBeNull()
    expect(authenticatePostback(secret, { signature: hmac(`TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`).toUpperCase(), ts }, params, now)).toBeNull()
    const lead = { code: 'TC1', orderId: 'L-9', clickId: 'AAAAAAAAAAAAAAAAAAAAAA' }
    expect(authenticatePostback(secret, { signature: hmac(`TC1|L-9|||AAAAAAAAAAAAAAAAAAAAAA|${ts}`), ts }, lead, now)).toBeNull()
  })

  it('a signature over anything else — another field, another order of fields, another key, another ts — is refused naming signature', () => {
    const bad = { reason: 'bad_signature', message: 'signature does not match', field: 'signature' }
    for (const text of [
      `TC1|A-1|12.51|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`,
      `A-1|TC1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`,
      `TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${Number(ts) - 1}`,
      `TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA`,
    ]) expect(authenticatePostback(secret, { signature: hmac(text), ts }, params, now), text).toEqual(bad)
    const otherKey = createHmac('sha256', 'another').update(`TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`).digest('hex')
    expect(authenticatePostback(secret, { signature: otherKey, ts }, params, now)).toEqual(bad)
    expect(authenticatePostback(secret, { signature: '', ts }, params, now)).toEqual(bad)
    expect(authenticatePostback(secret, { signature: hmac(`TC1|A-1|12.50|EUR|AAAAAAAAAAAAAAAAAAAAAA|${ts}`).slice(0, 63), ts }, params, now)).toEqual(bad)
  })

  it(`ts within ±${signatureMaxAgeSeconds} s of the network's clock, to the second; else, or not a whole number, refused naming ts`, () => {
    expect(signatureMaxAgeSeconds).toBe(300)
    const at = (t: number) => authenticatePostback(secret, { signature: postbackSignature(secret, params, String(t)), ts: String(t) }, params, now)
    const s = now / 1000
    expect(at(s - 300)).toBeNull()
    expect(at(s + 300)).toBeNull()
    const stale = { reason: 'stale_signature', message: 'ts must be the current Unix time in seconds (±300 s)', field: 'ts' }
    expect(at(s - 301)).toEqual(stale)
    expect(at(s + 301)).toEqual(stale)
    for (const t of [undefined, '', 'soon', `${s}.5`, 'NaN']) {
      const raw: Record<string, string> = { signature: postbackSignature(secret, params, String(t)) }
      if (t !== undefined) raw.ts = t
      expect(authenticatePostback(secret, raw, params, now), String(t)).toEqual(stale)
    }
    // The clock is the network's: without `now`, the current time.
    const current = String(Math.floor(Date.now() / 1000))
    expect(authenticatePostback(secret, { signature: postbackSignature(secret, params, current), ts: current }, params)).toBeNull()
  })

  it('neither token nor signature: unauthenticated, naming token', () => {
    expect(authenticatePostback(secret, {}, params, now)).toEqual({ reason: 'unauthenticated', message: 'send token or signature', field: 'token' })
    expect(authenticatePostback(secret, { ts }, params, now)).toMatchObject({ reason: 'unauthenticated' })
  })
})
