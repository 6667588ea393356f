// The one owner check. A record belongs to an account when its owner field names the account; anything
// else — another account's record or none at all — is answered alike, so an id tells nobody what exists.
import { badRequest, notFound } from '../errors.js'

export type OwnerField = 'advertiserId' | 'publisherId' | 'accountId'
type Owned = Partial<Record<OwnerField, string | null>>

export function isOwner(record: Owned | null | undefined, accountId: string, field: OwnerField = 'advertiserId'): boolean {
  return record != null && record[field] === accountId
}

/** The account's own record, else a 404 naming `what`. */
export function owned<T extends Owned>(record: T | null | undefined, accountId: string, what: string, field: OwnerField = 'advertiserId'): T {
  if (!record || !isOwner(record, accountId, field)) throw notFound(what)
  return record
}

/** The account's own record named by an input field, else a 400 naming that field (`campaignId is not one of your campaigns`). */
export function ownedInput<T extends Owned>(record: T | null | undefined, accountId: string, field: string, what: string, code: string): T {
  if (!record || !isOwner(record, accountId)) throw badRequest(field, `${field} is not one of your ${what}`, code)
  return record
}
