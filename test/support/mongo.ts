// How the tests reach MongoDB: MONGODB_URI when set, else a replica set from mongodb-memory-server — but
// only from a MongoDB binary already on this machine (downloads are switched off: no network here).
import { randomUUID } from 'node:crypto'
import type { DriverHarness } from '../storage/contract.js'

type MongoHarness =
  | { available: true; create(): Promise<DriverHarness> }
  | { available: false; reason: string }

let cached: Promise<MongoHarness> | undefined

export function mongoHarness(): Promise<MongoHarness> {
  cached ??= find()
  return cached
}

async function find(): Promise<MongoHarness> {
  const uri = process.env.MONGODB_URI
  if (uri) return harness(async () => ({ uri }))
  process.env.MONGOMS_RUNTIME_DOWNLOAD ??= 'false'
  // Each harness gets a replica set of its own (transactions need one); probe once that one can start.
  const start = async () => {
    const { MongoMemoryReplSet } = await import('mongodb-memory-server-core')
    const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } })
    return { uri: replSet.getUri(), stop: () => replSet.stop() }
  }
  try {
    await (await start()).stop()
  } catch (error) {
    const why = (error as Error).message.split('\n')[0]
    return { available: false, reason: `MONGODB_URI is not set and mongodb-memory-server found no local MongoDB binary (${why})` }
  }
  return harness(start)
}

function harness(server: () => Promise<{ uri: string; stop?: () => Promise<unknown> }>): MongoHarness {
  return {
    available: true,
    async create() {
      const { uri, stop } = await server()
      const { MongoStorage } = await import('../../server/src/storage/mongo/index.js')
      const storage = new MongoStorage({ uri, dbName: `contract_${randomUUID().slice(0, 8)}` })
      await storage.connect()
      return {
        storage,
        async cleanup() {
          await storage.dropDatabase()
          await storage.close()
          await stop?.()
        },
      }
    },
  }
}
