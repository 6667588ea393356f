import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/src/config.js'

describe('configuration', () => {
  it('has working defaults for a zero-setup start on the embedded store', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: './data', DEMO_SHOP_PORT: 3001, SEED_DEMO: true })
    expect(config.publicUrl).toBe('http://127.0.0.1:3000')
    expect(config.DATABASE_URL).toBeUndefined()
  })
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['MONGODB_URI', 'http://x'],
    ['LOG_LEVEL', 'loud'],
    ['DUPLICATE_CLICK_WINDOW_SECONDS', '-1'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`))
  })
  it('treats an empty variable as unset', () => {
    const config = loadConfig({ MONGODB_URI: '', DATABASE_URL: '', PORT: '' })
    expect([config.MONGODB_URI, config.DATABASE_URL, config.PORT]).toEqual([undefined, undefined, 3000])
  })
  it('seeds demo data by default outside production only; SEED_DEMO=true asks for it in production', () => {
    const production = { NODE_ENV: 'production', COOKIE_SECRET: 'a-long-enough-secret' }
    expect(loadConfig(production).SEED_DEMO).toBe(false)
    expect(loadConfig({ ...production, SEED_DEMO: '' }).SEED_DEMO).toBe(false)
    expect(loadConfig({ ...production, SEED_DEMO: 'true' }).SEED_DEMO).toBe(true)
    expect(loadConfig({ NODE_ENV: 'development' }).SEED_DEMO).toBe(true)
    expect(loadConfig({ NODE_ENV: 'test' }).SEED_DEMO).toBe(true)
    expect(loadConfig({ SEED_DEMO: 'false' }).SEED_DEMO).toBe(false)
    expect(() => loadConfig({ SEED_DEMO: 'yes' })).toThrow(/\bSEED_DEMO\b/)
  })
  it('trusts no proxy unless TRUST_PROXY says which, in every environment', () => {
    // trust(address, hop): hop 0 is the socket's peer.
    for (const NODE_ENV of ['development', 'production', 'test']) {
      const trust = loadConfig({ NODE_ENV, COOKIE_SECRET: 'a-long-enough-secret' }).trustProxy
      expect([trust('127.0.0.1', 0), trust('10.0.0.1', 0), trust('10.0.0.1', 1)]).toEqual([false, false, false])
    }
    const hops = loadConfig({ TRUST_PROXY: '2' }).trustProxy
    expect([hops('203.0.113.1', 0), hops('203.0.113.1', 1), hops('203.0.113.1', 2)]).toEqual([true, true, false])
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy('127.0.0.1', 0)).toBe(false)
    const list = loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy
    expect([list('127.0.0.1', 0), list('::1', 0), list('10.1.2.3', 1), list('192.168.1.1', 0)]).toEqual([true, true, true, false])
    expect(loadConfig({ TRUST_PROXY: '192.0.2.7' }).trustProxy('192.0.2.8', 0)).toBe(false)
  })
  it.each(['true', 'yes', '10.0.0.0/33', '10.0.0.1,,10.0.0.2', '-1', '300.1.1.1'])('refuses TRUST_PROXY=%s naming the variable', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError)
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/\bTRUST_PROXY\b/)
  })
  it('never uses a public default cookie secret outside production', () => {
    const [a, b] = [loadConfig({}).cookieSecret, loadConfig({}).cookieSecret]
    expect(a).toMatch(/^[\w-]{43}$/)
    expect(a).not.toBe(b)
  })
  it('requires a cookie secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/COOKIE_SECRET/)
    expect(loadConfig({ NODE_ENV: 'production', COOKIE_SECRET: 'a-long-enough-secret' }).cookieSecret).toBe('a-long-enough-secret')
  })
})
