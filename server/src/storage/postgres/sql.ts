// The SQL connection behind the postgres driver: a real `pg` pool for a PostgreSQL server, or an
// in-process adapter for embedded PGlite. Both give the driver the same three things: query,
// transaction, and a pg.Pool-shaped handle for Agenda's Postgres backend.
//
// Why not @electric-sql/pglite-socket for the embedded store: its multiplexer runs each protocol
// message from each connection separately, so the Parse/Bind/Execute messages of two concurrent
// parameterised queries interleave and clobber each other's unnamed statement (measured: wrong rows
// and a hang with a 10-connection pool). The adapter below never leaves the process, and PGlite itself
// serialises queries and holds them back while a transaction is open.
import { EventEmitter } from 'node:events'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'
import { isUnavailable } from '../errors.js'
import { defaultStoreTimeouts, type StoreTimeouts } from '../contract/index.js'

export type Row = Record<string, unknown>
export interface SqlResult<T> {
  rows: T[]
  rowCount: number
}
export interface Sql {
  query<T = Row>(text: string, params?: unknown[]): Promise<SqlResult<T>>
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>
}
export interface SqlPool extends Sql {
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>
  /** Handed to Agenda's PostgresBackend as its `pool`; Agenda does not close it. */
  readonly agendaPool: pg.Pool
  close(): Promise<void>
}

/** pg returns int8 (counts, sums, minor units) as strings; our amounts fit a double exactly. */
const INT8_OID = 20
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  },
}

export function serverPool(options: { connectionString: string; schema?: string; max?: number; timeouts?: StoreTimeouts; onError?(error: Error): void }): SqlPool {
  const timeouts = options.timeouts ?? defaultStoreTimeouts
  const onError = options.onError ?? (() => {})
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // The client's own limit catches a server that stopped answering altogether (a partition), where the
    // server-side timeout can never fire.
    query_timeout: timeouts.statementMs + 5_000,
    keepAlive: true,
    // A per-test schema keeps parallel suites on one server apart.
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  } as pg.PoolConfig)
  // An idle client that loses its connection must not crash the process; the pool replaces it on next use.
  pool.on('error', onError)
  return {
    query: (text, params) => onLiveConnection(text, () => pool.query(text, params as unknown[])) as never,
    exec: async (script) => void (await pool.query(script)),
    async transaction(fn) {
      // Nothing of the transaction has run before its BEGIN: a connection found dead there is swapped for another.
      const held = await onLiveConnection('BEGIN', () => begin(pool))
      const { client } = held
      try {
        const result = await fn({
          query: (text, params) => client.query(text, params as unknown[]) as never,
          exec: async (script) => void (await client.query(script)),
        })
        await client.query('COMMIT')
        return result
      } catch (error) {
        if (isUnavailable(error)) held.broken ??= error as Error
        if (!held.broken) await client.query('ROLLBACK').catch((e: Error) => void (held.broken = e))
        throw error
      } finally {
        release(held)
      }
    },
    agendaPool: pool,
    close: () => pool.end(),
  }
}

/**
 * Idle connections in the pool can be dead without the pool knowing yet: the server ended their sessions (a
 * restart, a failover, `pg_terminate_backend`) and the news is still on its way through the socket. A statement
 * that failed only because it was handed such a connection is run again on another, at most `staleAttempts`
 * times in all — one request must not fail for the pool's stale connections while the server answers.
 */
const staleAttempts = 3

/**
 * Whether a failed statement can safely run again. The server reporting its session ended (57P01–57P03) means
 * the statement did not commit: an autocommit statement's commit finishes, and is answered, before the backend
 * looks at the termination. A client that is no longer queryable never sent it. A connection that merely
 * vanished leaves a write's fate unknown, so only a read is retried then.
 */
export function ranOnStaleConnection(error: unknown, text: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null
  if (!e || typeof e !== 'object') return false
  if (e.code === '57P01' || e.code === '57P02' || e.code === '57P03') return true
  const message = typeof e.message === 'string' ? e.message.toLowerCase() : ''
  if (message.includes('not queryable')) return true
  // Not a connect that timed out ("Connection terminated due to connection timeout"): the server is not answering,
  // and trying again would only multiply the wait.
  return message.includes('connection terminated') && !message.includes('timeout') && /^\s*(select|begin)\b/i.test(text)
}

/** A client checked out for a transaction; `broken` is set when its connection fails while it is out. */
interface HeldClient {
  client: pg.PoolClient
  broken?: Error
  lost(error: Error): void
}

/**
 * Checks out a client and begins a transaction on it. A connection lost while the client is checked out emits
 * 'error' on the client (the pool listens only to idle ones), which would otherwise end the process: it is
 * listened to until release. Agenda's LISTEN client has its own (jobs/index.ts).
 */
async function begin(pool: pg.Pool): Promise<HeldClient> {
  const client = await pool.connect()
  const held: HeldClient = { client, lost: (error) => void (held.broken = error) }
  client.on('error', held.lost)
  try {
    await client.query('BEGIN')
    return held
  } catch (error) {
    held.broken ??= error as Error
    release(held)
    throw error
  }
}

/** Gives the client back; one whose connection failed is destroyed, not handed to the next caller. */
function release(held: HeldClient): void {
  held.client.removeListener('error', held.lost)
  held.client.release(held.broken ?? false)
}

async function onLiveConnection<T>(text: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= staleAttempts || !ranOnStaleConnection(error, text)) throw error
    }
  }
}

/**
 * `dataDir` is a folder (kept across restarts) or `memory://` for a throwaway database, which starts from
 * `image` when given (a migrated snapshot: no initdb, no migrations to run).
 */
export async function embeddedPool(dataDir: string, image?: Blob): Promise<SqlPool> {
  const db = await PGlite.create(dataDir, image ? { loadDataDir: image } : {})
  // Like pg: a query without parameters goes over the simple protocol, which also runs scripts of several
  // statements (Agenda's schema set-up sends those); the result is that of the last statement.
  const query = async <T>(text: string, params?: unknown[]): Promise<SqlResult<T>> => {
    const result = params?.length ? await db.query<T>(text, params) : (await db.exec(text)).at(-1)
    const rows = (result?.rows ?? []) as T[]
    return { rows, rowCount: result?.affectedRows || rows.length }
  }
  return {
    query,
    exec: async (script) => void (await db.exec(script)),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          async query<T>(text: string, params?: unknown[]) {
            const result = await tx.query<T>(text, params)
            return { rows: result.rows, rowCount: result.affectedRows || result.rows.length }
          },
          exec: async (script) => void (await tx.exec(script)),
        }),
      ),
    agendaPool: agendaPoolFor(db, query),
    async close() {
      if (!db.closed) await db.close()
    },
  }
}

/**
 * The part of pg.Pool that @agendajs/postgres-backend uses: query(), connect() for a client that
 * LISTENs (notifications come from PGlite's own listen), release() and end().
 */
function agendaPoolFor(db: PGlite, query: Sql['query']): pg.Pool {
  const connect = async () => {
    const client = new EventEmitter() as EventEmitter & { query: Sql['query']; release(): void }
    const unlisten: Array<() => Promise<void>> = []
    client.query = async (text, params) => {
      const listen = /^\s*LISTEN\s+"?([^"\s]+)"?\s*$/i.exec(text)
      if (listen) {
        const channel = listen[1] as string
        // Quoted: Agenda's channel names contain ':' and PGlite puts the name into (UN)LISTEN as given; its
        // own unsubscribe function unquotes it, so unlisten by the quoted name instead.
        const quoted = `"${channel}"`
        const onNotification = (payload: string) => client.emit('notification', { channel, payload })
        await db.listen(quoted, onNotification)
        unlisten.push(() => db.unlisten(quoted, onNotification))
        return { rows: [], rowCount: 0 }
      }
      if (/^\s*UNLISTEN\b/i.test(text)) {
        await Promise.all(unlisten.splice(0).map((stop) => stop()))
        return { rows: [], rowCount: 0 }
      }
      return query(text, params)
    }
    client.release = () => {
      for (const stop of unlisten.splice(0)) stop().catch(() => {})
    }
    return client
  }
  return { query, connect, end: async () => {}, on: () => {} } as unknown as pg.Pool
}

/** A value as a jsonb parameter: SQL NULL for null or undefined, its JSON text otherwise. */
export const json = (value: unknown) => (value == null ? null : JSON.stringify(value))
