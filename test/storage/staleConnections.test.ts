// The pool's idle connections can be dead before the pool knows (a restart, a failover, pg_terminate_backend):
// a statement handed one runs again on another when that is safe, and fails as unavailable when a write's fate
// is unknown. A TCP proxy between the pool and a real PostgreSQL server makes the stale connections on purpose,
// so which connection is stale, and how it dies, is decided by the test rather than by a race.
import net from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ranOnStaleConnection, serverPool, type SqlPool } from '../../server/src/storage/postgres/sql.js'

const server = process.env.TEST_DATABASE_URL
if (!server) console.warn('[staleConnections] skipped: TEST_DATABASE_URL is not set (CI sets it when PostgreSQL answers)')

describe('which failed statements run again', () => {
  it('a session the server ended, or a client that never sent it: always; a vanished connection: reads only', () => {
    for (const code of ['57P01', '57P02', '57P03']) expect(ranOnStaleConnection({ code }, 'INSERT INTO t VALUES (1)')).toBe(true)
    expect(ranOnStaleConnection(new Error('Client has encountered a connection error and is not queryable'), 'UPDATE t SET a = 1')).toBe(true)
    const vanished = new Error('Connection terminated unexpectedly')
    expect(ranOnStaleConnection(vanished, 'SELECT * FROM t')).toBe(true)
    expect(ranOnStaleConnection(vanished, '  select 1')).toBe(true)
    expect(ranOnStaleConnection(vanished, 'BEGIN')).toBe(true)
    expect(ranOnStaleConnection(vanished, 'INSERT INTO t VALUES (1)')).toBe(false)
    expect(ranOnStaleConnection(vanished, 'SELECTED_ROWS')).toBe(false)
    // Not a dead connection: a refused or timed-out connect, a statement timeout, a constraint.
    for (const error of [{ code: 'ECONNREFUSED' }, { code: '57014' }, { code: '23505' }, new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated due to connection timeout'), null, 'text']) {
      expect(ranOnStaleConnection(error, 'SELECT 1')).toBe(false)
    }
  })
})

/** Forwards to PostgreSQL; `stale()` makes every open connection die on its next message, as `how` says. */
async function proxyTo(target: URL) {
  const open = new Set<{ client: net.Socket; upstream: net.Socket; dies?: 'fatal' | 'vanish' }>()
  let newOnesDie: 'fatal' | undefined
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    const link: { client: net.Socket; upstream: net.Socket; dies?: 'fatal' | 'vanish' } = { client, upstream, dies: newOnesDie }
    open.add(link)
    client.on('data', (chunk) => {
      if (!link.dies) return void upstream.write(chunk)
      // The message never reaches the server, like one sent to a backend that has already gone.
      if (link.dies === 'fatal') client.end(fatal('57P01', 'terminating connection due to administrator command'))
      else client.destroy()
      upstream.destroy()
    })
    upstream.on('data', (chunk) => client.write(chunk))
    const close = () => {
      open.delete(link)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', close).on('error', close)
    upstream.on('close', close).on('error', close)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    port: (proxy.address() as net.AddressInfo).port,
    /** How many connections the pool holds through the proxy now. */
    get connections() {
      return open.size
    },
    stale(how: 'fatal' | 'vanish') {
      for (const link of open) link.dies = how
    },
    /** While set, every new connection is ended by the "server" at its first message, too. */
    set newConnectionsDie(dies: boolean) {
      newOnesDie = dies ? 'fatal' : undefined
    },
    close: () => new Promise<void>((resolve) => {
      for (const link of open) link.client.destroy()
      proxy.close(() => resolve())
    }),
  }
}

/** A PostgreSQL ErrorResponse, as a backend sends it when it is terminated. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([type, value]) => Buffer.from(`${type}${value}\0`)),
    Buffer.from([0]),
  ])
  const length = Buffer.alloc(4)
  length.writeInt32BE(fields.length + 4)
  return Buffer.concat([Buffer.from('E'), length, fields])
}

describe.skipIf(!server)('stale pooled connections on a real PostgreSQL server', () => {
  const schema = `stale_${process.pid}_${Date.now()}`
  let admin: pg.Client
  let proxy: Awaited<ReturnType<typeof proxyTo>>
  let sql: SqlPool
  const lost: Error[] = []

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: server })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id text PRIMARY KEY)`)
    proxy = await proxyTo(new URL(server as string))
    const url = new URL(server as string)
    url.hostname = '127.0.0.1'
    url.port = String(proxy.port)
    sql = serverPool({ connectionString: url.toString(), schema, max: 2, onError: (error) => void lost.push(error) })
  })
  afterAll(async () => {
    await sql?.close()
    await proxy?.close()
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin?.end()
  })

  /** Two idle connections in the pool, both alive now. */
  async function warm() {
    await Promise.all([sql.query('SELECT pg_sleep(0.01)'), sql.query('SELECT pg_sleep(0.01)')])
    expect(proxy.connections).toBe(2)
  }
  const rows = async (id: string) => (await admin.query(`SELECT count(*)::int AS n FROM ${schema}.t WHERE id = $1`, [id])).rows[0].n as number

  it('runs a write again when the server said it ended the session, once, after both idle connections proved dead', async () => {
    await warm()
    proxy.stale('fatal')
    await sql.query('INSERT INTO t (id) VALUES ($1)', ['after-fatal'])
    expect(await rows('after-fatal')).toBe(1)
  })

  it('runs a read again on a connection that vanished, and a transaction whose BEGIN found one', async () => {
    await warm()
    proxy.stale('vanish')
    expect((await sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await warm()
    proxy.stale('vanish')
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', ['in-transaction'])
    })
    expect(await rows('in-transaction')).toBe(1)
  })

  it('does not run a write again when its connection vanished: it fails as unavailable, and the next one works', async () => {
    await warm()
    proxy.stale('vanish')
    await expect(sql.query('INSERT INTO t (id) VALUES ($1)', ['fate-unknown'])).rejects.toThrow(/connection terminated/i)
    expect(await rows('fate-unknown')).toBe(0)
  })

  it('gives up after three connections: a server that keeps ending sessions is reported, not retried forever', async () => {
    await warm()
    proxy.stale('fatal')
    // Both idle connections are stale, and the third, new one is ended at its start-up message.
    proxy.newConnectionsDie = true
    try {
      await expect(sql.query('SELECT 1')).rejects.toMatchObject({ code: '57P01' })
      expect(proxy.connections).toBe(0)
    } finally {
      proxy.newConnectionsDie = false
    }
    expect((await sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })
})
