// Picks the storage driver from the configuration: MONGODB_URI → mongo; DATABASE_URL → PostgreSQL server;
// otherwise embedded PGlite in DATA_DIR.
import { PostgresStorage } from './postgres/index.js'
import type { Storage, StoreTimeouts } from './types.js'

export interface StorageSettings {
  mongodbUri?: string
  databaseUrl?: string
  dataDir: string
  /** For a `memory://` dataDir: the snapshot it starts from (tests start every network from one migrated image). */
  pgliteImage?: Blob
  timeouts?: StoreTimeouts
  /** Told of connection errors the driver recovers from by itself (a lost idle connection, say). */
  onError?(error: Error): void
}

export async function createStorage(settings: StorageSettings): Promise<Storage> {
  if (settings.mongodbUri) {
    const { MongoStorage } = await import('./mongo/index.js')
    return new MongoStorage({ uri: settings.mongodbUri, timeouts: settings.timeouts, onError: settings.onError })
  }
  if (settings.databaseUrl) return new PostgresStorage({ driver: 'postgres', connectionString: settings.databaseUrl, timeouts: settings.timeouts, onError: settings.onError })
  return new PostgresStorage({ driver: 'pglite', dataDir: settings.dataDir, image: settings.pgliteImage })
}

export type * from './types.js'
export { UniqueViolation } from './types.js'
