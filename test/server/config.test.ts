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
  it('requires a cookie secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/COOKIE_SECRET/)
    expect(loadConfig({ NODE_ENV: 'production', COOKIE_SECRET: 'a-long-enough-secret' }).cookieSecret).toBe('a-long-enough-secret')
  })
})
