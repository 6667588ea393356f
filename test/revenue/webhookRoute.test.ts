// The webhook's route on its own (the router, the app's error middleware and revenue over an in-memory store):
// what reaches receiveMailgun, what a body that is not a signed JSON object gets, and the body's bound.
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/src/config.js'
import { errorMiddleware } from '../../server/src/errors.js'
import { createLogger } from '../../server/src/logger.js'
import { createRevenue } from '../../server/src/revenue/index.js'
import { revenueWebhooks, webhookBodyLimit } from '../../server/src/revenue/webhooks.js'
import type { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { sign, signingKey } from './support.js'
import { memoryStore } from '../support/stores.js'

let storage: PostgresStorage
let server: { close(): void }
let url: string

beforeAll(async () => {
  storage = await memoryStore()
  const logger = createLogger('silent')
  const revenue = createRevenue({ config: loadConfig({ MAILGUN_WEBHOOK_SIGNING_KEY: signingKey }), storage, logger, runNow: async () => {} })
  const app = express()
  app.use(revenueWebhooks({ revenue }))
  app.use(errorMiddleware(logger))
  const listening = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => listening.once('listening', resolve))
  server = listening
  url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/webhooks/mailgun`
})
afterAll(async () => {
  server?.close()
  await storage?.close()
})

const signed = (extra: Record<string, unknown> = {}) => {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const token = randomUUID()
  return { signature: { timestamp, token, signature: sign(timestamp, token) }, 'event-data': { id: randomUUID(), event: 'stored', timestamp: Date.now() / 1000 }, ...extra }
}
const post = (body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body })

describe('POST /webhooks/mailgun', () => {
  it('answers a signed event with what receiveMailgun made of it', async () => {
    const res = await post(JSON.stringify(signed()))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ignored', reason: 'not_tracked:stored' })
  })

  it('answers 406 naming the signature to a form, a JSON list or text, and stores nothing', async () => {
    const body = signed()
    for (const [text, type] of [[new URLSearchParams({ signature: JSON.stringify(body.signature) }).toString(), 'application/x-www-form-urlencoded'], ['[1,2]', 'application/json'], [JSON.stringify(body), 'text/plain']]) {
      const res = await post(text as string, type as string)
      expect(res.status).toBe(406)
      expect((await res.json()).error).toMatchObject({ code: 'bad_signature', field: 'signature' })
    }
    // The signed body sent as text was refused: its token was not used up.
    expect((await post(JSON.stringify(body))).status).toBe(200)
  })

  it(`takes a body up to ${webhookBodyLimit} and refuses a larger one with 413`, async () => {
    const padded = (bytes: number) => JSON.stringify(signed({ padding: 'x'.repeat(bytes) }))
    expect((await post(padded(200_000))).status).toBe(200)
    const res = await post(padded(270_000))
    expect(res.status).toBe(413)
  })
})
