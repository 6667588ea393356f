import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../server/src/logger.js'

describe('the logger', () => {
  it('never writes IP addresses or secrets', () => {
    const lines: string[] = []
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done() } })
    const logger = createLogger('info', sink)
    logger.info({ ip: '203.0.113.9', req: { remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer nw_secret', cookie: 'c=1' } }, trackingCode: { postbackSecret: 'pb-secret' }, apiKey: 'nw_key' }, 'hit')
    const out = lines.join('')
    expect(out).toContain('"msg":"hit"')
    for (const secret of ['203.0.113.9', 'nw_secret', 'pb-secret', 'nw_key', 'c=1']) expect(out).not.toContain(secret)
    expect(out).toContain('[redacted]')
  })
})
