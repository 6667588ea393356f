// Safe HTML by construction: every value interpolated into an `html` template is escaped, unless it is itself
// Html made by this module. Pages are built only from these templates, so no value reaches a page unescaped.
import { escapeHtml } from '../html.js'

export class Html {
  constructor(readonly text: string) {}
  toString() {
    return this.text
  }
}

export type Value = Html | string | number | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  // `cond && html`…`` leaves false behind when cond is false: it renders as nothing.
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(value)
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

/** An href for a URL that came from a user: http(s) and same-site paths only, never `javascript:`. */
export function safeHref(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) return url
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : '#'
  } catch {
    return '#'
  }
}
