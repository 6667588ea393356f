// Names of related records for display (a campaign's, an account's), fetched once each.
import type { Account, Campaign, Storage } from './storage/types.js'

/** Names of the records with these ids, fetched once each (ids of other tenants' records are never shown by id). */
async function namesOf<T extends { id: string; name: string }>(ids: Iterable<string | null>, get: (id: string) => Promise<T | null>): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((id): id is string => Boolean(id)))]
  const found = await Promise.all(unique.map(get))
  return new Map(found.flatMap((x) => (x ? [[x.id, x.name] as const] : [])))
}

export const campaignNames = (storage: Storage, ids: Iterable<string | null>) => namesOf<Campaign>(ids, (id) => storage.campaigns.get(id))
export const accountNames = (storage: Storage, ids: Iterable<string | null>) => namesOf<Account>(ids, (id) => storage.accounts.get(id))
