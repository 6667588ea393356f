import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { expect, it } from 'vitest'

// The tracker's promise to advertisers: under 1 KB on the wire. This reads the build (`npm test` builds
// first); it builds nothing itself. Counted as `gzip -9 t.js` writes it: a server's Content-Encoding sends a
// few bytes less, since gzip's header then also names the file ("t.js" and a NUL).
const BUDGET = 1024

it(`tracker/dist/t.js is at most ${BUDGET} bytes gzipped (level 9)`, () => {
  const script = readFileSync(new URL('../../tracker/dist/t.js', import.meta.url))
  const gzipped = gzipSync(script, { level: 9 }).length + 't.js\0'.length
  console.log(`tracker/dist/t.js: ${script.length} bytes, ${gzipped} bytes gzipped, ${BUDGET - gzipped} under budget`)
  expect(gzipped).toBeLessThanOrEqual(BUDGET)
})
