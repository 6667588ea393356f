// How the tests reach MongoDB: MONGODB_URI when set, else a replica set from mongodb-memory-server — but
// only from a MongoDB binary already on this machine (downloads are switched off: no network here).
import { randomUUID } from 'node:crypto'
import type { DriverHarness } from '../storage/contract.js'

type MongoHarness =
  | { available: true; uri: string; create(): Promise<DriverHarness> }
  | { available: false; reason: string }

let cached: Promise<MongoHarness> | undefined

export function mongoHarness(): Promise<MongoHarness> {
  cached ??= find()
  return cached
}

async function find(): Promise<MongoHarness> {
  let uri = process.env.MONGODB_URI
  let stop: (() => Promise<unknown>) | undefined
  if (!uri) {
    process.env.MONGOMS_RUNTIME_DOWNLOAD ??= 'false'
    try {
      const { MongoMemoryReplSet } = await import('mongodb-memory-server-core')
      const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } })
      uri = replSet.getUri()
      stop = () => replSet.stop()
    } catch (error) {
      const why = (error as Error).message.split('\n')[0]
      return { available: false, reason: `MONGODB_URI is not set and mongodb-memory-server found no local MongoDB binary (${why})` }
    }
  }
  const base = uri
  const { MongoStorage } = await import('../../server/src/storage/mongo/index.js')
  return {
    available: true,
    uri: base,
    async create() {
      const storage = new MongoStorage({ uri: base, dbName: `contract_${randomUUID().slice(0, 8)}` })
      await storage.connect()
      return {
        storage,
        async cleanup() {
          await storage.dropDatabase?.()
          await storage.close()
          await stop?.()
        },
      }
    },
  }
}
