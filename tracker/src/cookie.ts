import { data } from './config'

/** The stored click id; a stored value that is not a click id counts as none. */
export const readClickId = (): string | undefined => document.cookie.match(/(^|; )_nclid=([\w-]{16,64})(;|$)/)?.[2]

/**
 * Stores the click id for every subdomain of the shop. Browsers refuse a cookie on a public suffix (co.uk,
 * github.io) and on any part of an IP address, so, trying suffixes shortest first, the first one that
 * sticks is the registrable domain. A single-label host (localhost) gets a host-only cookie.
 */
export const storeClickId = (id: string): void => {
  const write = (domain?: string) =>
    (document.cookie =
      '_nclid=' + id + ';path=/;samesite=lax;max-age=' + (+data.window! || 30) * 86400 +
      (location.protocol == 'https:' ? ';secure' : '') + (domain ? ';domain=' + domain : ''))
  if (data.domain) return void write(data.domain)
  const labels = location.hostname.split('.')
  // From the last two labels (i = length - 2) to the whole host (i = 0).
  for (let i = labels.length - 1; i--; ) {
    write(labels.slice(i).join('.'))
    if (readClickId() == id) return
  }
  write()
}
