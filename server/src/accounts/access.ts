// Who may use the network: accounts (created by the operator with a first key shown once, or applied for at
// sign-up), passwords, API keys made and revoked by their account. A revoked key or a changed account must stop (or start) working at once, so
// those changes go through here and drop this process's key cache (other processes follow within its 10 s).
import { z } from 'zod'
import { AppError, badRequest, notFound } from '../errors.js'
import { newApiKey, newId } from '../ids.js'
import type { Account, AccountPatch, AccountStatus, ApiKey, NewAccount, Storage } from '../storage/types.js'
import { UniqueViolation } from '../storage/types.js'
import type { TtlCache } from '../cache.js'
import { name, parse } from '../validation.js'
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js'

/** API key hash → its active key and account; revoking or suspending in this process clears the entry. */
export type ApiKeyCache = TtlCache<{ apiKey: ApiKey; account: Account } | null>

/** A new key with its secret, which is shown once and never stored (only its hash is). */
export interface IssuedKey {
  apiKey: ApiKey
  key: string
}

const roles = z.array(z.enum(['advertiser', 'publisher', 'admin'])).min(1).max(3).transform((list) => [...new Set(list)])
const status = z.enum(['pending', 'active', 'suspended'])

export const newAccountBody = z.strictObject({
  name: name(),
  email: z.string().trim().max(254).pipe(z.email({ message: 'must be an email address' })).transform((e) => e.toLowerCase()).meta({ format: 'email' }),
  roles,
  status: status.default('active'),
})
export const accountPatch = z.strictObject({ name: name().optional(), roles: roles.optional(), status: status.optional() })

const emailTaken = () => new AppError(409, 'email_taken', 'an account with this email already exists', 'email')

/** An operator locking themselves out would leave nobody to undo it. */
const ownAccount = (message: string, field?: string) => new AppError(409, 'own_account', message, field)

export interface AccessDeps {
  storage: Storage
  apiKeys: ApiKeyCache
}

export function createAccess({ storage, apiKeys }: AccessDeps) {
  async function issueKey(accountId: string, name: string): Promise<IssuedKey> {
    const { key, prefix, hash } = newApiKey()
    return { apiKey: await storage.apiKeys.create({ id: newId('key'), accountId, name, prefix, hash }), key }
  }

  async function updateAccount(id: string, patch: AccountPatch): Promise<Account | null> {
    const account = await storage.accounts.update(id, patch)
    apiKeys.clear()
    return account
  }

  return {
    issueKey,
    async revokeApiKey(accountId: string, keyId: string): Promise<boolean> {
      const revoked = await storage.apiKeys.revoke(accountId, keyId)
      if (revoked) apiKeys.clear()
      return revoked
    },
    /**
     * An application from the sign-up form: a pending account the operator approves. A taken email is answered
     * like a new one (nothing tells who has an account); a password too short or too long is a 400 naming it.
     * `onValid` runs once the application is valid, before it is stored (the portal counts the attempt there).
     */
    async apply(input: Pick<NewAccount, 'name' | 'email' | 'roles'>, password: string, onValid?: () => Promise<unknown>): Promise<void> {
      const problem = passwordProblem(password)
      if (problem) throw badRequest('password', problem)
      await onValid?.()
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
    /** The operator creates an account from an API-shaped body (a taken email is a 409 naming `email`), with its first API key. */
    async createAccount(input: unknown): Promise<{ account: Account; issued: IssuedKey }> {
      const body = parse(newAccountBody, input)
      if (await storage.accounts.getByEmail(body.email)) throw emailTaken()
      let account: Account
      try {
        account = await storage.accounts.create({ id: newId('acc'), ...body, passwordHash: null })
      } catch (error) {
        if (error instanceof UniqueViolation) throw emailTaken()
        throw error
      }
      return { account, issued: await issueKey(account.id, 'first key') }
    },
    /** The operator `actorId` changes an account from an API-shaped patch; never its own status or admin role. */
    async changeAccount(actorId: string, id: string, input: unknown): Promise<Account> {
      const patch = parse(accountPatch, input)
      if (Object.keys(patch).length === 0) throw badRequest('body', 'send at least one of name, roles, status')
      if (id === actorId && ((patch.status && patch.status !== 'active') || (patch.roles && !patch.roles.includes('admin')))) {
        throw ownAccount('you cannot suspend your own account or remove its admin role', patch.status ? 'status' : 'roles')
      }
      const account = await updateAccount(id, patch)
      if (!account) throw notFound('account')
      return account
    },
    /** The operator `actorId` moves an account from one of `from` to `to` (approve, suspend, reactivate); never its own. */
    async moveAccount(actorId: string, id: string, from: readonly AccountStatus[], to: AccountStatus): Promise<Account> {
      const account = await storage.accounts.get(id)
      if (!account) throw notFound('account')
      if (account.id === actorId) throw ownAccount('you cannot change the status of your own account')
      if (!from.includes(account.status)) throw new AppError(409, 'conflict', `the account is ${account.status}; reload the page`)
      return (await updateAccount(account.id, { status: to })) ?? account
    },
  }
}

export type Access = ReturnType<typeof createAccess>
