// Addresses that want no more offer emails.

export interface SuppressionRepository {
  /** Records that this address (as a keyed hash) wants no more offer emails; idempotent. */
  add(addressHash: string): Promise<void>
  has(addressHash: string): Promise<boolean>
}
