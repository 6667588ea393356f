/**
 * The network issues 22-character base64url ids; the wider length range lets the id grow without a new
 * tracker. Anything else is malformed and never stored (a null tests as the string "null", which fails).
 */
export const isClickId = (value: string | null): value is string => /^[\w-]{16,64}$/.test(value!)
