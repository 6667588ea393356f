// Who may use the network: accounts (created by the operator with a first key shown once, or applied for at
// sign-up), passwords, API keys made and revoked by their account. A revoked key or a changed account must stop (or start) working at once, so
// those changes go through here and drop this process's key cache (other processes follow within its 10 s).
import { AppError, badRequest } from '../errors.js'
import { newApiKey, newId } from '../ids.js'
import type { Account, AccountPatch, ApiKey, NewAccount, Storage } from '../storage/types.js'
import { UniqueViolation } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js'

/** API key hash → its active key and account; revoking or suspending in this process clears the entry. */
export type ApiKeyCache = TtlCache<{ apiKey: ApiKey; account: Account } | null>

/** A new key with its secret, which is shown once and never stored (only its hash is). */
export interface IssuedKey {
  apiKey: ApiKey
  key: string
}

const emailTaken = () => new AppError(409, 'email_taken', 'an account with this email already exists', 'email')

export interface AccessDeps {
  storage: Storage
  apiKeys: ApiKeyCache
}

export function createAccess({ storage, apiKeys }: AccessDeps) {
  async function issueKey(accountId: string, name: string): Promise<IssuedKey> {
    const { key, prefix, hash } = newApiKey()
    return { apiKey: await storage.apiKeys.create({ id: newId('key'), accountId, name, prefix, hash }), key }
  }

  return {
    issueKey,
    async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
      const revoked = await storage.apiKeys.revoke(accountId, keyId)
      if (revoked) apiKeys.clear()
      return revoked
    },
    async updateAccount(id: string, patch: AccountPatch): Promise<Account | null> {
      const account = await storage.accounts.update(id, patch)
      apiKeys.clear()
      return account
    },
    /**
     * An application from the sign-up form: a pending account the operator approves. A taken email is answered
     * like a new one (nothing tells who has an account); a password too short or too long is a 400 naming it.
     */
    async apply(input: Pick<NewAccount, 'name' | 'email' | 'roles'>, password: string): Promise<void> {
      const problem = passwordProblem(password)
      if (problem) throw badRequest('password', problem)
      try {
        await storage.accounts.create({ id: newId('acc'), ...input, status: 'pending', passwordHash: await hashPassword(password) })
      } catch (error) {
        if (!(error instanceof UniqueViolation)) throw error
      }
    },
    /** Changes the account's password after checking its current one (400 naming `current` or `password`). */
    async changePassword(accountId: string, current: string, password: string): Promise<void> {
      const stored = (await storage.accounts.get(accountId))?.passwordHash ?? null
      if (!(await verifyPassword(stored, current))) throw new AppError(400, 'bad_credentials', 'the current password is not right', 'current')
      const problem = passwordProblem(password)
      if (problem) throw badRequest('password', problem)
      await storage.accounts.update(accountId, { passwordHash: await hashPassword(password) })
    },
    /** Creates an account (a taken email is a 409 naming `email`), with a first API key when asked. */
    async createAccount(input: Omit<NewAccount, 'id'>, firstKey?: string): Promise<{ account: Account; issued: IssuedKey | null }> {
      if (await storage.accounts.getByEmail(input.email)) throw emailTaken()
      let account: Account
      try {
        account = await storage.accounts.create({ id: newId('acc'), ...input })
      } catch (error) {
        if (error instanceof UniqueViolation) throw emailTaken()
        throw error
      }
      return { account, issued: firstKey ? await issueKey(account.id, firstKey) : null }
    },
  }
}

export type Access = ReturnType<typeof createAccess>
