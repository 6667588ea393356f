// Starts the real network server in-process on an embedded store, on a free port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.js'
import { createLogger } from '../../server/src/logger.js'
import { startNetwork, type Network } from '../../server/src/main.js'

export interface TestNetwork extends Network {
  dataDir: string
  /** Stops the server and removes its data folder. */
  destroy(): Promise<void>
}

export async function startTestNetwork(env: Record<string, string> = {}, dataDir?: string, options: { processEvery?: number } = {}): Promise<TestNetwork> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'network-test-'))
  const config = loadConfig({ PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test', SEED_DEMO: 'false', ...env })
  const network = await startNetwork(config, createLogger(config.LOG_LEVEL), { jobs: { processEvery: options.processEvery ?? 200 } })
  return {
    ...network,
    dataDir: dir,
    async destroy() {
      await network.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
