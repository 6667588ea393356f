// The server's layers, as ARCHITECTURE.md's map draws them: every relative import in server/src points down
// this list (or stays inside its own folder), so no area reaches up into one that uses it and nothing is
// late-bound to close a loop. A new top-level file or folder must be given its place here.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../server/src')

/** Top to bottom; entries of one row are siblings and may not import each other (the kernel row may). */
const layers: string[][] = [
  ['main.ts'],
  ['demo'],
  ['app.ts'],
  ['api', 'portal', 'jobs'],
  ['services.ts'],
  ['revenue'],
  ['monetize'],
  ['campaigns', 'links', 'trackingCodes'],
  ['tracking'],
  ['conversions', 'payouts', 'stats'],
  ['accounts'],
  ['validation.ts', 'errors.ts', 'input.ts', 'page.ts', 'assets', 'cache.ts', 'rateLimit.ts', 'names.ts', 'money.ts', 'config.ts',
    'ids.ts', 'secrets.ts', 'logger.ts', 'html.ts', 'csv.ts', 'email.ts', 'trustProxy.ts', 'cookieSecret.ts', 'types'],
  ['storage'],
]
const kernel = layers.length - 2
const layerOf = new Map(layers.flatMap((row, i) => row.map((name) => [name, i] as const)))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

const top = (path: string) => relative(root, path).split(sep)[0] as string

/** Every relative import of the file, resolved to a path under server/src. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^(?:import|export)[^'"\n]*?from '(\.[^']+)'/gm)].map((m) => resolve(file, '..', m[1] as string))
}

describe('the server layers', () => {
  const files = sources(root)

  it('give every top-level file and folder a place', () => {
    const unplaced = [...new Set(files.map(top))].filter((name) => !layerOf.has(name))
    expect(unplaced).toEqual([])
  })

  it('import only downwards, or within their own folder', () => {
    const wrong: string[] = []
    for (const file of files) {
      const from = top(file)
      for (const target of importsOf(file)) {
        const to = top(target)
        if (to === from) continue
        const [a, b] = [layerOf.get(from), layerOf.get(to)]
        if (a === undefined || b === undefined) continue
        const sideways = a === b && a !== kernel
        if (b < a || sideways) wrong.push(`${relative(root, file)} → ${relative(root, target)}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('reads the imports it judges (the check would pass vacuously otherwise)', () => {
    const services = importsOf(join(root, 'services.ts')).map(top)
    expect(services).toEqual(expect.arrayContaining(['campaigns', 'tracking', 'monetize', 'revenue', 'accounts']))
  })
})
