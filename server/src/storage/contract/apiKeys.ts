// API keys of accounts (only their SHA-256 is kept).

export interface ApiKey {
  id: string
  accountId: string
  name: string
  /** The first characters of the key, shown in portals so a user can tell keys apart. */
  prefix: string
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: string
  createdAt: Date
  revokedAt: Date | null
}
export type NewApiKey = Omit<ApiKey, 'createdAt' | 'revokedAt'>

export interface ApiKeyRepository {
  create(key: NewApiKey): Promise<ApiKey>
  /** An active (not revoked) key by its hash. */
  findActiveByHash(hash: string): Promise<ApiKey | null>
  listByAccount(accountId: string): Promise<ApiKey[]>
  /** Revokes a key of this account; false when there is no such active key. */
  revoke(accountId: string, id: string): Promise<boolean>
}
