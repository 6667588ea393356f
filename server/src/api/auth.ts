// API keys: `Authorization: Bearer nw_…` (or `X-Api-Key`). Keys are stored as SHA-256 only; the account
// behind the key is the only tenant a request can see.
import type { NextFunction, Request, Response } from 'express'
import { AppError } from '../errors.js'
import { hashApiKey } from '../ids.js'
import type { Account, ApiKey, Role, Storage } from '../storage/types.js'
import type { TtlCache } from '../tracking/cache.js'

declare module 'express-serve-static-core' {
  interface Request {
    account?: Account
  }
}

/** API key hash → its active key and account; revoking or suspending in this process clears the entry. */
export type ApiKeyCache = TtlCache<{ apiKey: ApiKey; account: Account } | null>

export function requireApiKey(storage: Storage, cache: ApiKeyCache) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.headers['x-api-key'] as string | undefined)?.trim()
    if (!key) return next(new AppError(401, 'unauthenticated', 'send your API key as Authorization: Bearer <key>', 'authorization'))
    const found = key.length <= 200
      ? await cache.get(hashApiKey(key), async (hash) => {
        const apiKey = await storage.apiKeys.findActiveByHash(hash)
        const account = apiKey && (await storage.accounts.get(apiKey.accountId))
        return apiKey && account ? { apiKey, account } : null
      })
      : null
    const account = found?.account
    if (!account) return next(new AppError(401, 'bad_api_key', 'the API key is unknown or revoked', 'authorization'))
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
