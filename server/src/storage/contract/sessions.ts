// Portal: signed-in sessions.

/** A signed-in portal session. The cookie carries a random token; only its SHA-256 is stored, as the id. */
export interface Session {
  id: string
  accountId: string
  /** The synchroniser token every portal form sends back (CSRF), tied to this session. */
  csrfToken: string
  createdAt: Date
  expiresAt: Date
}
export type NewSession = Omit<Session, 'createdAt'>

export interface SessionRepository {
  create(session: NewSession): Promise<Session>
  /** The session, unless it has expired by `now`. */
  get(id: string, now?: Date): Promise<Session | null>
  /** Moves the expiry of a live session (sliding sign-in); false when it is gone. */
  touch(id: string, expiresAt: Date): Promise<boolean>
  /** Ends one session (sign-out); false when there was none. */
  remove(id: string): Promise<boolean>
  /** Ends every session of an account (suspension, new password); returns how many. */
  removeByAccount(accountId: string): Promise<number>
  /** Deletes sessions that expired before `before`; returns how many. */
  purgeExpired(before: Date): Promise<number>
}
