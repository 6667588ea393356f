// One application error type and one error middleware: every failure answers
// { "error": { "code", "message", "field"? } } with a 4xx for the caller's mistakes.
import { isUnavailable } from './storage/errors.js'
import type { ErrorRequestHandler } from 'express'
import type { Logger } from './logger.js'

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const badRequest = (field: string, message: string, code = 'invalid') => new AppError(400, code, message, field)
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`)

/** Errors raised by Express's own parsers, mapped to what the caller did wrong. */
function fromParser(error: { type?: string; status?: number; message?: string }): AppError | null {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError(413, 'too_large', 'request body is too large', 'body')
    case 'entity.parse.failed':
      return new AppError(400, 'malformed_json', 'request body is not valid JSON', 'body')
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_encoding', error.message ?? 'unsupported encoding', 'body')
    default:
      // Express's own client errors (a malformed URL encoding, …) carry their 4xx status.
      if (error.status && error.status >= 400 && error.status < 500) return new AppError(error.status, 'bad_request', error.message ?? 'bad request')
      return null
  }
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const appError = error instanceof AppError ? error : fromParser(error)
    if (!appError && isUnavailable(error)) {
      // The store is unreachable: the JSON API's callers are servers that can retry; nothing was changed.
      logger.warn({ err: error }, 'store unavailable')
      res.status(503).set('Retry-After', '5').json({ error: { code: 'store_unavailable', message: 'the network is briefly unavailable; retry in a few seconds' } })
      return
    }
    if (!appError) {
      logger.error({ err: error }, 'unhandled error')
      res.status(500).json({ error: { code: 'internal', message: 'internal error' } })
      return
    }
    const body: { code: string; message: string; field?: string } = { code: appError.code, message: appError.message }
    if (appError.field) body.field = appError.field
    res.status(appError.status).json({ error: body })
  }
}
