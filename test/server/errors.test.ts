import express from 'express'
import { describe, expect, it } from 'vitest'
import { AppError, badRequest, errorMiddleware } from '../../server/src/errors.js'
import { createLogger } from '../../server/src/logger.js'

async function call(app: express.Express, init: { path: string; method?: string; body?: string; type?: string }) {
  const server = app.listen(0)
  await new Promise((r) => server.once('listening', r))
  const port = (server.address() as { port: number }).port
  try {
    const res = await fetch(`http://127.0.0.1:${port}${init.path}`, {
      method: init.method ?? 'GET', body: init.body, headers: init.type ? { 'content-type': init.type } : {},
    })
    return { status: res.status, body: await res.json() }
  } finally {
    server.close()
  }
}

describe('the error middleware', () => {
  const app = express()
  app.use(express.json({ limit: '1kb' }))
  app.get('/field', () => { throw badRequest('amount', 'amount must be a decimal number') })
  app.get('/conflict', () => { throw new AppError(409, 'duplicate_order', 'order already recorded') })
  app.get('/boom', () => { throw new Error('secret internals') })
  app.post('/json', (req, res) => { res.json(req.body) })
  app.use(errorMiddleware(createLogger('silent')))

  it('answers an AppError with its status, code, message and field', async () => {
    expect(await call(app, { path: '/field' })).toEqual({ status: 400, body: { error: { code: 'invalid', message: 'amount must be a decimal number', field: 'amount' } } })
    expect(await call(app, { path: '/conflict' })).toEqual({ status: 409, body: { error: { code: 'duplicate_order', message: 'order already recorded' } } })
  })
  it('hides unexpected errors behind a plain 500', async () => {
    expect(await call(app, { path: '/boom' })).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } })
  })
  it('turns parser failures into 4xx naming the body', async () => {
    expect(await call(app, { path: '/json', method: 'POST', body: '{"a":', type: 'application/json' }))
      .toEqual({ status: 400, body: { error: { code: 'malformed_json', message: 'request body is not valid JSON', field: 'body' } } })
    expect(await call(app, { path: '/json', method: 'POST', body: JSON.stringify({ a: 'x'.repeat(5000) }), type: 'application/json' }))
      .toMatchObject({ status: 413, body: { error: { code: 'too_large', field: 'body' } } })
  })
})
