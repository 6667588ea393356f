// The OpenAPI document stays honest: every route the API router serves is described, nothing else is, and
// the document holds together (a real OpenAPI 3.1 validator accepts it, references resolve, path parameters
// are declared, operations have unique ids and answer). openapiLive.test.ts checks live answers against it.
import { compileErrors, validate } from '@readme/openapi-parser'
import { describe, expect, it } from 'vitest'
import { apiRoutes } from '../../server/src/api/index.js'
import { openApiDocument } from '../../server/src/api/openapi.js'
import type { Services } from '../../server/src/services.js'

interface Layer {
  route?: { path: string; methods: Record<string, boolean> }
  handle?: { stack?: Layer[] }
}

/** `METHOD /path` for every route in the router and the routers it mounts (all mounted without a path). */
function routesOf(router: { stack: Layer[] }): string[] {
  const out: string[] = []
  for (const layer of router.stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${layer.route.path}`)
    } else if (layer.handle?.stack) {
      out.push(...routesOf(layer.handle as { stack: Layer[] }))
    }
  }
  return out
}

// Building the routers only captures their dependencies; nothing here touches a store.
const services = { config: { publicUrl: 'https://network.example' }, storage: {}, cache: {}, lifecycle: {} } as unknown as Services
const doc = openApiDocument('https://network.example')
const methods = ['get', 'post', 'put', 'patch', 'delete']

function documented(prefix: string): string[] {
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith(prefix))
    .flatMap(([path, item]) => Object.keys(item).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
}

describe('the OpenAPI document', () => {
  it('lists exactly the routes the API router serves', () => {
    const served = routesOf(apiRoutes(services) as unknown as { stack: Layer[] })
      .map((r) => r.replace(/:(\w+)/g, '{$1}').replace(' /', ' /api/v1/'))
    expect(served.length).toBeGreaterThan(25)
    expect(new Set(served).size).toBe(served.length)
    expect(documented('/api/v1/').sort()).toEqual([...served].sort())
  })

  it('describes the public tracking endpoints', () => {
    expect(documented('/').filter((r) => !r.includes('/api/v1/')).sort())
      .toEqual(['GET /c/{code}', 'GET /postback', 'GET /px', 'POST /conv', 'POST /postback', 'POST /px', 'POST /webhooks/mailgun'])
    for (const path of ['/c/{code}', '/px', '/conv', '/postback', '/webhooks/mailgun']) {
      for (const operation of Object.values(doc.paths[path]!)) expect((operation as { security: unknown[] }).security).toEqual([])
    }
  })

  it('is OpenAPI 3.1 with bearer API keys, and holds together', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers).toEqual([{ url: 'https://network.example' }])
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.security).toEqual([{ apiKey: [] }])

    const text = JSON.stringify(doc)
    for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas).toHaveProperty(name!)

    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      for (const [method, operation] of Object.entries(item as Record<string, { summary?: string; parameters?: { name: string; in: string }[]; responses?: object }>)) {
        expect(operation.summary, `${method} ${path}`).toBeTruthy()
        expect(Object.keys(operation.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0)
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)
        expect(declared.sort(), `${method} ${path}`).toEqual([...names].sort())
      }
    }
  })

  it('passes an OpenAPI 3.1 validator', async () => {
    const result = await validate(structuredClone(doc) as never)
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true)
    expect(result.specification).toBe('OpenAPI')
  })

  it('gives every operation a unique camelCase operationId', () => {
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((operation) => (operation as { operationId?: string }).operationId))
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('has distinct Campaign and PublicCampaign schemas, and no oneOf whose branches can overlap on campaigns', () => {
    const schemas = doc.components.schemas as Record<string, { required?: string[] }>
    expect(schemas.Campaign!.required).toContain('advertiserId')
    expect(schemas.PublicCampaign!.required).not.toContain('advertiserId')
    expect(JSON.stringify(doc)).not.toMatch(/"oneOf":\[\{"\$ref":"#\/components\/schemas\/(Campaign|PublicCampaign)/)
  })

  it('marks authenticated API operations as answering 401, and the document itself as public', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/') || path === '/api/v1/openapi.json') continue
      for (const operation of Object.values(item)) expect(Object.keys((operation as { responses: object }).responses)).toContain('401')
    }
    expect(doc.paths['/api/v1/openapi.json']!.get).toMatchObject({ security: [] })
  })
})
