// A structured logger that never writes raw IPs or secrets: request logs carry no address, and known
// secret-bearing fields are redacted wherever they appear.
import pino from 'pino'

export type Logger = pino.Logger

const redactedPaths = [
  'ip', '*.ip', 'remoteAddress', '*.remoteAddress',
  'password', '*.password', 'passwordHash', '*.passwordHash',
  'apiKey', '*.apiKey', 'secret', '*.secret', 'postbackSecret', '*.postbackSecret',
  'cookieSecret', '*.cookieSecret', 'MAILGUN_API_KEY', '*.MAILGUN_API_KEY', 'key', '*.key', 'authorization', '*.authorization', 'headers.authorization',
  'headers.cookie', '*.headers.cookie', '*.headers.authorization', '*.*.headers.authorization', '*.*.headers.cookie', 'token', '*.token', 'signature', '*.signature',
]

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'network' } }, destination)
}
