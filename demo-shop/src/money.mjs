// Money as the network wants it: integer minor units in, a decimal string out ("49.90"), never a float.

/** 4990 → "49.90" (two-decimal currencies such as EUR). */
export function decimal(minor) {
  const text = String(Math.abs(minor)).padStart(3, '0')
  return `${minor < 0 ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`
}

const formats = new Map()

/** 4990, 'EUR' → "€49.90", for people. */
export function price(minor, currency) {
  let format = formats.get(currency)
  if (!format) formats.set(currency, (format = new Intl.NumberFormat('en-IE', { style: 'currency', currency })))
  return format.format(Number(decimal(minor)))
}
