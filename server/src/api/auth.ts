// API keys: `Authorization: Bearer nw_…` (or `X-Api-Key`). Keys are stored as SHA-256 only; the account
// behind the key is the only tenant a request can see.
import type { NextFunction, Request, Response } from 'express'
import { AppError } from '../errors.js'
import { hashApiKey } from '../ids.js'
import type { Account, Role, Storage } from '../storage/types.js'
import { RateLimit, retryAfterSeconds } from '../rateLimit.js'
import type { ApiKeyCache } from '../accounts/access.js'
import { hashIp } from '../tracking/visitor.js'

declare module 'express-serve-static-core' {
  interface Request {
    account?: Account
  }
}

/** Failed authentications per address (hashed) before the address is refused for the rest of the window. */
export const apiKeyFailures = { limit: 20, windowMs: 10 * 60_000 }

export function requireApiKey(storage: Storage, cache: ApiKeyCache, cookieSecret: string) {
  // In the store: with several processes, 20 failures in 10 minutes are 20 in all, not 20 per process.
  const failures = new RateLimit(storage.rateLimits, 'api-key', apiKeyFailures.limit, apiKeyFailures.windowMs)
  const tooMany = (res: Response, waitMs: number) => {
    res.set('Retry-After', retryAfterSeconds(waitMs))
    return new AppError(429, 'too_many_failures', 'too many failed API key authentications from this address; try again later', 'authorization')
  }
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.headers['x-api-key'] as string | undefined)?.trim()
    if (!key) return next(new AppError(401, 'unauthenticated', 'send your API key as Authorization: Bearer <key>', 'authorization'))
    const ipKey = hashIp(cookieSecret, req.ip ?? '')
    // A locked-out address is refused whatever key it sends (a right guess too); the check rides along the look-up.
    const [wait, found] = await Promise.all([
      failures.retryAfter(ipKey),
      key.length <= 200
        ? cache.get(hashApiKey(key), async (hash) => {
          const apiKey = await storage.apiKeys.findActiveByHash(hash)
          const account = apiKey && (await storage.accounts.get(apiKey.accountId))
          return apiKey && account ? { apiKey, account } : null
        })
        : null,
    ])
    if (wait > 0) return next(tooMany(res, wait))
    const account = found?.account
    if (!account) {
      const over = await failures.record(ipKey)
      return next(over > 0 ? tooMany(res, over) : new AppError(401, 'bad_api_key', 'the API key is unknown or revoked', 'authorization'))
    }
    if (account.status !== 'active') return next(new AppError(403, 'account_inactive', `the account is ${account.status}`, 'authorization'))
    req.account = account
    next()
  }
}

export function requireRole(role: Role) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.account?.roles.includes(role) && !req.account?.roles.includes('admin')) {
      return next(new AppError(403, 'forbidden', `this needs an ${role} account`))
    }
    next()
  }
}

/** The authenticated account (set by requireApiKey). */
export const accountOf = (req: Request): Account => req.account as Account
