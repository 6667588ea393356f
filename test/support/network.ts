// Starts the real network server in-process on a free port: on an embedded store, or on a fresh database of
// the PostgreSQL server named by TEST_DATABASE_URL.
import { createHash, randomUUID } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.js'
import { createLogger } from '../../server/src/logger.js'
import { startNetwork, type Network } from '../../server/src/main.js'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'

export type TestDriver = 'pglite' | 'postgres'
/** The drivers an integration test can run on here: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const testDrivers: TestDriver[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
if (!process.env.TEST_DATABASE_URL) console.warn('[network] integration tests run on pglite only: TEST_DATABASE_URL is not set')

/** A migrated database on the test server to clone (CREATE DATABASE … TEMPLATE), built once per migrations' source. */
let serverTemplate: Promise<string> | undefined
function migratedServerTemplate(admin: pg.Client, server: string): Promise<string> {
  serverTemplate ??= (async () => {
    const name = `net_template_${migrationsHash()}`
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (rows.length) return name
    // Built under another name and renamed when migrated: a half-built template is never cloned.
    const building = `net_tbuild_${randomUUID().replaceAll('-', '').slice(0, 12)}`
    await admin.query(`CREATE DATABASE ${building}`)
    const url = new URL(server)
    url.pathname = `/${building}`
    const storage = new PostgresStorage({ driver: 'postgres', connectionString: url.href })
    await storage.connect()
    await storage.close()
    try {
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`)
    } catch {
      await admin.query(`DROP DATABASE IF EXISTS ${building}`)
    }
    return name
  })()
  return serverTemplate
}

/** A database of its own on the test server, dropped afterwards. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL as string
  const name = `net_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  const template = await migratedServerTemplate(admin, server)
  // Two clones of one template at the same instant may be refused (55006, "being accessed"): try again.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
      break
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
    }
  }
  const url = new URL(server)
  url.pathname = `/${name}`
  return {
    url: url.href,
    async drop() {
      // Let work still finishing after the server stopped (an approval run's last query) close its session.
      for (let i = 0; i < 50; i++) {
        const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])
        if (rows[0].n === 0) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

/** Names a template after what makes it: the migrations' source, the agenda schema and PGlite's version. */
function migrationsHash(): string {
  const root = new URL('../../', import.meta.url)
  return createHash('sha256')
    .update(readFileSync(new URL('server/src/storage/postgres/migrations.ts', root)))
    .update(readFileSync(new URL('node_modules/@electric-sql/pglite/package.json', root)))
    .update(readFileSync(new URL('node_modules/@agendajs/postgres-backend/package.json', root)))
    .digest('hex').slice(0, 16)
}

/**
 * A migrated embedded database to copy instead of creating one per test network: a fresh PGlite folder costs
 * 3–5 s (initdb in wasm, then the migrations), a copy about one. Shared by every worker through a folder named
 * after the migrations' source and PGlite's version, published by an atomic rename (the first to finish wins;
 * the others use it).
 */
let template: Promise<string> | undefined
/** The template's folder: copy it, never open or write it in place. */
export function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const final = join(tmpdir(), `network-test-template-${migrationsHash()}`)
    if (existsSync(join(final, 'PG_VERSION'))) return final
    const building = mkdtempSync(join(tmpdir(), 'network-test-template-building-'))
    const storage = new PostgresStorage({ driver: 'pglite', dataDir: building })
    await storage.connect()
    await storage.close()
    try {
      renameSync(building, final)
    } catch {
      rmSync(building, { recursive: true, force: true })
    }
    return final
  })()
  return template
}

/**
 * A new embedded data folder, already migrated (a copy of the template), for a test that opens the store
 * itself. The caller removes it.
 */
export async function migratedDataDir(prefix = 'network-test-'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cpSync(await pgliteTemplate(), dir, { recursive: true })
  return dir
}

export interface TestNetwork extends Network {
  dataDir: string
  /** Stops the server and removes its data folder. */
  destroy(): Promise<void>
}

/**
 * The migrated template as a PGlite snapshot (dumpDataDir), which a `memory://` network starts from: no copy of
 * 2,000 files on start, none to delete after. Written once next to the template (published by rename) and
 * read once per worker.
 */
let image: Promise<Blob> | undefined
export function pgliteImage(): Promise<Blob> {
  image ??= (async () => {
    const folder = await pgliteTemplate()
    const final = `${folder}.tar`
    if (!existsSync(final)) {
      const copy = await migratedDataDir('network-test-image-')
      try {
        const db = await PGlite.create(copy)
        const dump = await db.dumpDataDir('none')
        await db.close()
        const building = `${final}.${randomUUID()}`
        writeFileSync(building, Buffer.from(await dump.arrayBuffer()))
        renameSync(building, final)
      } finally {
        rmSync(copy, { recursive: true, force: true })
      }
    }
    return new Blob([readFileSync(final)])
  })()
  return image
}

export interface TestNetworkOptions {
  processEvery?: number
  driver?: TestDriver
  /** An embedded store in a data folder on disk even when the test gives none (a test that reads the files). */
  disk?: boolean
}

/**
 * A network on a store of its own: by default an in-memory PGlite started from the migrated image; with a
 * `dataDir` (a restart test's, kept between two networks) or `disk`, PGlite in a folder, which starts as a copy of
 * the migrated template when empty; with `driver: 'postgres'`, a database cloned from the server's template.
 */
export async function startTestNetwork(env: Record<string, string> = {}, dataDir?: string, options: TestNetworkOptions = {}): Promise<TestNetwork> {
  const database = options.driver === 'postgres' ? await freshDatabase() : null
  const embedded = !database && !env.DATABASE_URL && !env.MONGODB_URI
  const inMemory = embedded && (env.DATA_DIR === 'memory://' || (!env.DATA_DIR && !dataDir && !options.disk))
  const dir = inMemory ? null : dataDir ?? mkdtempSync(join(tmpdir(), 'network-test-'))
  if (dir && embedded && !env.DATA_DIR && readdirSync(dir).length === 0) cpSync(await pgliteTemplate(), dir, { recursive: true })
  const config = loadConfig({
    PORT: '0', DATA_DIR: dir ?? 'memory://', LOG_LEVEL: 'silent', NODE_ENV: 'test', SEED_DEMO: 'false', ...(database && { DATABASE_URL: database.url }), ...env,
  })
  const network = await startNetwork(config, createLogger(config.LOG_LEVEL), {
    jobs: { processEvery: options.processEvery ?? 200 },
    ...(inMemory && { pgliteImage: await pgliteImage() }),
  })
  return {
    ...network,
    dataDir: dir ?? 'memory://',
    async destroy() {
      await network.stop()
      await database?.drop()
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}
