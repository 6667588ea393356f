// A PostgreSQL cluster of a test's own (initdb + pg_ctl on a free port), so that a test can stop and start the
// server under load without touching the shared one. Run as the `postgres` user when the tests run as root
// (initdb refuses root). `clusterUnavailable` says why not, where the binaries are missing.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

const bin = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
const asRoot = userInfo().uid === 0

function reasonUnavailable(): string | null {
  if (!existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'pg_ctl'))) return `no initdb/pg_ctl in ${bin} (set PG_BIN)`
  if (asRoot) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' })
    } catch {
      return 'running as root and there is no postgres user to run initdb as'
    }
  }
  return null
}

export const clusterUnavailable = reasonUnavailable()

export interface PgCluster {
  url: string
  port: number
  stop(mode?: 'fast' | 'immediate'): void
  start(): void
  destroy(): void
}

function run(args: string[]) {
  const [command, ...rest] = asRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args
  execFileSync(command as string, rest, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 })
}

export async function startCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pgcluster-'))
  const data = join(dir, 'data')
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  const port = await freePort()
  run([join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`
  const start = () => run([join(bin, 'pg_ctl'), '-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'])
  start()
  let running = true
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop(mode = 'fast') {
      run([join(bin, 'pg_ctl'), '-D', data, '-m', mode, '-w', 'stop'])
      running = false
    },
    start() {
      start()
      running = true
    },
    destroy() {
      if (running) {
        try {
          run([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'])
        } catch {
          // already stopped
        }
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
