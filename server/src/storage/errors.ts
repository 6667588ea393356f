// Which storage errors mean "the store cannot be reached right now" (retry later, spool the hit) rather than
// "this request's data was refused" (a 4xx, or a bug). One classifier for every caller.

const unavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, statement/lock timeouts from a stuck server.
  '57P01', '57P02', '57P03', '57014', '55P03', '25P03',
  // MongoDB driver labels are checked below.
])

const unavailableMessages = [
  'connection terminated', 'timeout exceeded when trying to connect', 'query read timeout',
  'client has encountered a connection error', 'connection terminated unexpectedly', 'cannot use a pool after calling end',
  'client was closed', 'server selection timed out', 'topology is closed', 'connection pool', 'not connected',
  'store unavailable', 'econnrefused',
]

export function isUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false
  const e = error as { code?: unknown; message?: unknown; name?: unknown; errorLabels?: unknown; cause?: unknown; errors?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  // SQLSTATE class 08: connection exception; 53: insufficient resources (too many connections, out of memory).
  if (/^(08|53)[0-9A-Z]{3}$/.test(code) || unavailableCodes.has(code)) return true
  if (typeof e.name === 'string' && /^Mongo(Network|ServerSelection|NotConnected|PoolClosed|Topology)/.test(e.name)) return true
  if (Array.isArray(e.errorLabels) && e.errorLabels.includes('RetryableWriteError')) return true
  const message = typeof e.message === 'string' ? e.message.toLowerCase() : ''
  if (unavailableMessages.some((m) => message.includes(m))) return true
  if (Array.isArray(e.errors) && e.errors.some(isUnavailable)) return true
  return e.cause !== undefined && e.cause !== error && isUnavailable(e.cause)
}
