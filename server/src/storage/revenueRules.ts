// Rules of the revenue repositories that do not depend on the store, written once for both drivers.

/** The two forms a provider's message id is stored in (bare, or in angle brackets), whichever form it is given in. */
export function providerIdForms(providerId: string): [bare: string, bracketed: string] {
  const bare = providerId.trim().replace(/^<(.*)>$/, '$1')
  return [bare, `<${bare}>`]
}

/** How many of an account's orders (by time) precede the one whose instant ends a page of `limit` (at least one). */
export const pageEndIndex = (limit: number): number => Math.max(limit, 1) - 1

/** A page's `last`: the latest of its orders' times; null for an empty page. */
export function pageLast(orderedAt: Date[]): Date | null {
  return orderedAt.length ? new Date(orderedAt.reduce((max, at) => Math.max(max, at.getTime()), 0)) : null
}
