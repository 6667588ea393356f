// Accounts: who signs in and in which roles.

export type Role = 'advertiser' | 'publisher' | 'admin'
export type AccountStatus = 'pending' | 'active' | 'suspended'

export interface Account {
  id: string
  name: string
  /** Lower-cased; unique across accounts. */
  email: string
  roles: Role[]
  status: AccountStatus
  /** Memory-hard hash of the portal password, or null when the account cannot sign in. */
  passwordHash: string | null
  createdAt: Date
}
export type NewAccount = Omit<Account, 'createdAt'>
export type AccountPatch = Partial<Pick<Account, 'name' | 'roles' | 'status' | 'passwordHash'>>

export interface AccountRepository {
  create(account: NewAccount): Promise<Account>
  get(id: string): Promise<Account | null>
  getByEmail(email: string): Promise<Account | null>
  list(): Promise<Account[]>
  update(id: string, patch: AccountPatch): Promise<Account | null>
}
