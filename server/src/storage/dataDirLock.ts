// One process per embedded DATA_DIR: PGlite has no lock of its own, and two processes on one folder would both
// seed it, run its jobs and corrupt it. The lock is a file, DATA_DIR/network.lock, holding the holder's pid, host
// and start time; it is created atomically (written aside, then hard-linked into place, which fails when one
// exists). A lock whose process is gone (on this host) is stale and taken over.
import { randomBytes } from 'node:crypto'
import { readFileSync, realpathSync, unlinkSync } from 'node:fs'
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

const lockFileName = 'network.lock'

interface Holder {
  pid: number
  host: string
  startedAt: string
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  constructor(readonly dataDir: string, readonly holder: Holder) {
    super(
      `DATA_DIR ${dataDir} is in use by another network process (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}). ` +
      `Stop that process, or give this one another DATA_DIR. If no such process runs any more, delete ${join(dataDir, lockFileName)}.`,
    )
  }
}

export interface DataDirLock {
  readonly path: string
  /** Removes the lock file if it is still this process's. */
  release(): Promise<void>
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const parse = (text: string): Holder | null => {
  try {
    const value = JSON.parse(text) as Partial<Holder>
    return Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.startedAt === 'string' ? (value as Holder) : null
  } catch {
    return null
  }
}

/** Stale: its process is gone. Only a process on this host can be checked; the same pid as ours is an earlier life (a container's pid 1). */
const isStale = (holder: Holder | null) => holder === null || (holder.host === hostname() && (holder.pid === process.pid || !isAlive(holder.pid)))

/** Lock files this process holds: a second start in the same process is refused too (not taken for stale). */
const heldHere = new Set<string>()

export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true })
  const path = join(realpathSync(dataDir), lockFileName)
  const held = heldHere.has(path) && parse(readFileSync(path, 'utf8'))
  if (held) throw new DataDirLockedError(dataDir, held)
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() } satisfies Holder)
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(aside, mine, { mode: 0o644 })
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(aside, path)
        break
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error
      }
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue // released meanwhile
        throw error
      }
      const holder = parse(text)
      if (!isStale(holder)) throw new DataDirLockedError(dataDir, holder as Holder)
      // Take over: move the stale file out of the way (atomic), and make sure it was the one judged stale — a
      // process that took it over meanwhile keeps its fresh lock.
      const moved = `${path}.stale.${randomBytes(4).toString('hex')}`
      try {
        await rename(path, moved)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw error
      }
      if ((await readFile(moved, 'utf8')) !== text) await link(moved, path).catch(() => {})
      await unlink(moved).catch(() => {})
    }
  } finally {
    await unlink(aside).catch(() => {})
  }
  const ours = () => {
    try {
      return readFileSync(path, 'utf8') === mine
    } catch {
      return false
    }
  }
  // A process that ends without stop() (an uncaught error, process.exit) still frees its folder.
  const onExit = () => {
    if (ours()) unlinkSync(path)
  }
  process.once('exit', onExit)
  heldHere.add(path)
  let released = false
  return {
    path,
    async release() {
      if (released) return
      released = true
      heldHere.delete(path)
      process.removeListener('exit', onExit)
      if (ours()) await unlink(path).catch(() => {})
    },
  }
}

/** The embedded store on disk is the one kind of store a folder holds: PGlite without a server, not in memory. */
export const usesEmbeddedDataDir = (settings: { databaseUrl?: string; mongodbUri?: string; dataDir: string }) =>
  !settings.databaseUrl && !settings.mongodbUri && !settings.dataDir.startsWith('memory://')
