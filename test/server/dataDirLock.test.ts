// One process per embedded DATA_DIR, with real processes (node server/dist/main.js; `npm run build` first): a
// second one on the same folder stops at start and names the holder; a holder killed with -9 leaves a stale lock
// that the next start takes over; a clean stop removes the lock.
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { pgliteTemplate } from '../support/network.js'

const main = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url))

interface Run {
  child: ChildProcess
  /** Resolves with the URL once the network is up, rejects when the process exits before. */
  ready: Promise<string>
  exited: Promise<{ code: number | null; output: string }>
}

function run(dataDir: string): Run {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, PORT: '0', DEMO_SHOP_PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'silent', NODE_ENV: 'development', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<{ code: number | null; output: string }>((resolve) => child.once('exit', (code) => resolve({ code, output })))
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Network\s+(http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1]!)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    void exited.then(({ code }) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)))
  })
  ready.catch(() => {})
  return { child, ready, exited }
}

describe('the lock on an embedded DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lock-test-'))
  const runs: Run[] = []
  const start = (dir = dataDir) => {
    const r = run(dir)
    runs.push(r)
    return r
  }
  afterAll(async () => {
    for (const r of runs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
    await Promise.all(runs.map((r) => r.exited))
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('stops a second process with the holder\'s pid, takes over a stale lock, and is released at stop', async () => {
    const first = start()
    await first.ready
    const lock = JSON.parse(readFileSync(join(dataDir, 'network.lock'), 'utf8'))
    expect(lock).toMatchObject({ pid: first.child.pid, host: hostname() })

    const second = start()
    const refused = await second.exited
    expect(refused.code).toBe(1)
    expect(refused.output).toContain(`pid ${first.child.pid} on ${hostname()}`)
    expect(refused.output).toContain(dataDir)
    // The holder is untouched by the attempt.
    expect(JSON.parse(readFileSync(join(dataDir, 'network.lock'), 'utf8'))).toEqual(lock)
    expect((await fetch(`${await first.ready}/healthz`)).status).toBe(200)

    // kill -9: the lock stays behind, naming a process that is gone; the next start takes it over.
    first.child.kill('SIGKILL')
    await first.exited
    expect(existsSync(join(dataDir, 'network.lock'))).toBe(true)
    const third = start()
    const url = await third.ready
    expect(JSON.parse(readFileSync(join(dataDir, 'network.lock'), 'utf8'))).toMatchObject({ pid: third.child.pid })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)

    third.child.kill('SIGTERM')
    expect((await third.exited).code).toBe(0)
    expect(existsSync(join(dataDir, 'network.lock'))).toBe(false)
  }, 120_000)
})
