/**
 * One CSV field, RFC 4180: quoted when it holds a comma, quote, line break or surrounding spaces; quotes
 * doubled. `text` cells a spreadsheet would run as a formula get a leading apostrophe.
 */
export function csvField(value: string, text = false): string {
  const safe = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe
}
