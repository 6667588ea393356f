// Portal sessions: a random token in a signed, HttpOnly, SameSite=Lax cookie (Secure in production); the
// store keeps only the token's SHA-256, with the account and the session's CSRF token. Sign-out and
// suspension delete the record, so the cookie stops working at once. Sessions slide: each use within the
// lifetime extends it (written at most every few minutes).
import { createHash, randomBytes } from 'node:crypto'
import { sameSecret } from '../secrets.js'
import type { CookieOptions, NextFunction, Request, Response } from 'express'
import type { Services } from '../services.js'
import type { Account, Session } from '../storage/types.js'

const sessionLifetimeMs = 12 * 3600_000
/** A session is extended only when it was last extended longer ago than this. */
const extendEveryMs = 5 * 60_000
const signInTokenLifetimeMs = 3600_000

export interface PortalUser {
  account: Account
  session: Session
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in portal user (set by the session middleware). */
    portal?: PortalUser
  }
}

const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex')
const newToken = () => randomBytes(32).toString('base64url')

export function createSessions(services: Services) {
  const { storage, config } = services
  const production = config.NODE_ENV === 'production'
  // The __Host- prefix (production, over https) pins a cookie to this host and path /, out of reach of subdomains.
  const names = { session: production ? '__Host-nw_session' : 'nw_session', signIn: production ? '__Host-nw_signin' : 'nw_signin' }
  const base: CookieOptions = { httpOnly: true, sameSite: 'lax', secure: production, path: '/', signed: true }

  const setSessionCookie = (res: Response, token: string) => res.cookie(names.session, token, { ...base, maxAge: sessionLifetimeMs })

  return {
    names,

    /** Signs the account in: a new session (a new token, so a planted cookie can never become signed in). */
    async start(res: Response, account: Account): Promise<Session> {
      const token = newToken()
      const session = await storage.sessions.create({
        id: sessionIdOf(token), accountId: account.id, csrfToken: newToken(), expiresAt: new Date(Date.now() + sessionLifetimeMs),
      })
      setSessionCookie(res, token)
      res.clearCookie(names.signIn, { ...base, signed: false })
      return session
    },

    /** Middleware: sets req.portal when the cookie names a live session of an active account. */
    async load(req: Request, res: Response, next: NextFunction) {
      const token = (req.signedCookies as Record<string, unknown> | undefined)?.[names.session]
      if (typeof token !== 'string' || token.length > 100) return next()
      const session = await storage.sessions.get(sessionIdOf(token))
      const account = session && (await storage.accounts.get(session.accountId))
      if (!session || !account || account.status !== 'active') {
        if (session) await storage.sessions.remove(session.id)
        res.clearCookie(names.session, { ...base, signed: false })
        return next()
      }
      const now = Date.now()
      if (session.expiresAt.getTime() - now < sessionLifetimeMs - extendEveryMs) {
        const expiresAt = new Date(now + sessionLifetimeMs)
        if (await storage.sessions.touch(session.id, expiresAt)) {
          session.expiresAt = expiresAt
          setSessionCookie(res, token)
        }
      }
      req.portal = { account, session }
      next()
    },

    /** Signs out: the record goes, so the cookie is dead even if it was copied. */
    async end(req: Request, res: Response): Promise<void> {
      if (req.portal) await storage.sessions.remove(req.portal.session.id)
      res.clearCookie(names.session, { ...base, signed: false })
    },

    /** Ends every session of an account, e.g. after a password change or a suspension. */
    endAll: (accountId: string) => storage.sessions.removeByAccount(accountId),

    /**
     * The CSRF token of the sign-in and sign-up forms, where there is no session yet: a signed cookie whose
     * value the form must echo (double submit), so another site cannot sign a visitor in to its own account.
     */
    signInToken(req: Request, res: Response): string {
      const current = (req.signedCookies as Record<string, unknown> | undefined)?.[names.signIn]
      if (typeof current === 'string' && /^[\w-]{43}$/.test(current)) return current
      const token = newToken()
      res.cookie(names.signIn, token, { ...base, maxAge: signInTokenLifetimeMs })
      return token
    },

    signInTokenValid(req: Request): boolean {
      const cookie = (req.signedCookies as Record<string, unknown> | undefined)?.[names.signIn]
      return typeof cookie === 'string' && sameSecret((req.body as Record<string, unknown> | undefined)?._csrf, cookie)
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
