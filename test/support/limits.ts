// Helpers for the rate-limit tests: portal sign-in attempts over plain fetch, and an account with a password.
import { newId } from '../../server/src/ids.js'
import { hashPassword } from '../../server/src/accounts/passwords.js'
import type { TestNetwork } from './network.js'

/** A portal sign-in over fetch: the form's token once, then as many attempts as asked, each from `from` (X-Forwarded-For). */
export async function signInAttempts(url: string) {
  const form = await fetch(`${url}/portal/sign-in`)
  const cookie = form.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ')
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!
  return async (email: string, password: string, from?: string) => {
    const res = await fetch(`${url}/portal/sign-in`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...(from && { 'x-forwarded-for': from }) },
      body: new URLSearchParams({ _csrf: token, email, password }),
    })
    await res.text()
    return { status: res.status, retryAfter: res.headers.get('retry-after') }
  }
}

export async function personWithPassword(network: Pick<TestNetwork, 'storage'>) {
  const id = newId('acc')
  const password = 'the-right-password'
  const email = `${id}@example.com`
  await network.storage.accounts.create({ id, name: 'Limited', email, roles: ['publisher'], status: 'active', passwordHash: await hashPassword(password) })
  return { email, password }
}

