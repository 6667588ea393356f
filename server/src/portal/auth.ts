// Signing in and out, and applying for an account. Attempts are limited per IP (hashed) and per IP + email;
// a locked-out visitor is told how long to wait. Wrong email and wrong password read the same.
import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { AppError } from '../errors.js'
import { name as nameField, parse } from '../validation.js'
import { hashIp } from '../tracking/visitor.js'
import { AttemptLimiter, waitText } from './attempts.js'
import { html } from './html.js'
import { failed, formPost, input, redirect, select, view, type FormState, type PortalContext } from './kit.js'
import { errorBox, homeOf, send, type Page } from './layout.js'
import { maxPasswordLength, verifyPassword } from '../accounts/passwords.js'
import { sameSecret } from '../secrets.js'

const windowMs = 15 * 60_000
const email = z.string().trim().max(254).pipe(z.email({ message: 'must be an email address' })).transform((e) => e.toLowerCase())
const signUpBody = z.object({ name: nameField(), email, role: z.enum(['publisher', 'advertiser', 'both'], { message: 'choose publisher, advertiser or both' }) })

/** Only a path inside the portal may follow sign-in (no open redirect). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/portal(\/[\w\-./?=&%]*)?$/.test(next) && !next.includes('//') ? next : null)

export function authRoutes(ctx: PortalContext): Router {
  const { storage, config } = ctx.services
  const { sessions } = ctx
  const router = Router()
  const perIp = new AttemptLimiter(storage.rateLimits, 'sign-in-ip', 30, windowMs)
  const perIpAndEmail = new AttemptLimiter(storage.rateLimits, 'sign-in-pair', 5, windowMs)
  const signUps = new AttemptLimiter(storage.rateLimits, 'sign-up-ip', 5, 3600_000)
  const ipOf = (req: Request) => hashIp(config.cookieSecret, req.ip ?? '')

  router.get('/', (req, res) => res.redirect(303, req.portal ? homeOf(req.portal.account) : '/portal/sign-in'))

  function signInPage(req: Request, res: Response, state?: FormState): Page {
    const next = safeNext(state?.values.next ?? req.query.next)
    return {
      title: 'Sign in', narrow: true,
      body: html`${errorBox(state?.error)}<form method="post" action="/portal/sign-in" class="stack">
<input type="hidden" name="_csrf" value="${sessions.signInToken(req, res)}">${next ? html`<input type="hidden" name="next" value="${next}">` : ''}
${input({ name: 'email', label: 'Email', type: 'email', required: true, state: state && { ...state, field: null }, extra: html` autocomplete="username" autofocus` })}
${input({ name: 'password', label: 'Password', type: 'password', required: true, extra: html` autocomplete="current-password"` })}
<div><button type="submit">Sign in</button></div></form>
<p>No account yet? <a href="/portal/sign-up">Apply to join the network</a>.</p>
${config.NODE_ENV === 'production' ? '' : html`<p class="hint">Demo accounts and their passwords are printed in the terminal where the network was started.</p>`}`,
    }
  }

  router.get('/sign-in', async (req, res) => {
    if (req.portal) return res.redirect(303, homeOf(req.portal.account))
    await send(req, res, ctx.assets, signInPage(req, res))
  })

  router.post('/sign-in', async (req, res) => {
    const refuse = async (error: AppError, retryAfterMs?: number) => {
      if (retryAfterMs) res.set('Retry-After', String(Math.ceil(retryAfterMs / 1000)))
      await send(req, res, ctx.assets, { ...signInPage(req, res, failed(req, error)), status: error.status })
    }
    if (!sessions.signInTokenValid(req)) return refuse(new AppError(403, 'csrf', 'the sign-in form expired; please sign in again'))
    const body = req.body as Record<string, unknown>
    const address = typeof body.email === 'string' ? body.email.trim().toLowerCase().slice(0, 254) : ''
    const password = typeof body.password === 'string' ? body.password : ''
    const ipKey = ipOf(req)
    const pairKey = `${ipKey}\n${address}`
    const wait = Math.max(...(await Promise.all([perIp.retryAfter(ipKey), perIpAndEmail.retryAfter(pairKey)])))
    if (wait > 0) return refuse(new AppError(429, 'too_many_attempts', `too many sign-in attempts. Wait ${waitText(wait)} and try again`), wait)
    const account = address ? await storage.accounts.getByEmail(address) : null
    const ok = password.length <= maxPasswordLength && (await verifyPassword(account?.passwordHash ?? null, password))
    if (!ok || !account) {
      await Promise.all([perIp.record(ipKey), perIpAndEmail.record(pairKey)])
      return refuse(new AppError(401, 'bad_credentials', 'the email or the password is not right'))
    }
    await perIpAndEmail.clear(pairKey)
    if (account.status === 'pending') return refuse(new AppError(403, 'account_pending', 'your account waits for approval by the network'))
    if (account.status === 'suspended') return refuse(new AppError(403, 'account_suspended', 'your account is suspended; contact the network'))
    await sessions.start(res, account)
    res.redirect(303, safeNext(body.next) ?? homeOf(account))
  })

  router.post('/sign-out', async (req, res) => {
    // A sign-out without the session's token (another site's form) does nothing.
    if (req.portal && sameSecret((req.body as Record<string, unknown> | undefined)?._csrf, req.portal.session.csrfToken)) await sessions.end(req, res)
    else if (req.portal) throw new AppError(403, 'csrf', 'this form expired; reload the page and try again')
    redirect(res, '/portal/sign-in', 'signed-out')
  })

  function signUpPage(req: Request, res: Response, state?: FormState): Page {
    return {
      title: 'Apply to join', narrow: true,
      body: html`<p>Publishers earn commissions on the sales and leads they bring; advertisers pay for them. The network approves each account.</p>
${errorBox(state?.error)}<form method="post" action="/portal/sign-up" class="stack">
<input type="hidden" name="_csrf" value="${sessions.signInToken(req, res)}">
${input({ name: 'name', label: 'Name (shown to buyers and partners)', required: true, state, extra: html` autocomplete="organization"` })}
${input({ name: 'email', label: 'Email', type: 'email', required: true, state, extra: html` autocomplete="email"` })}
${input({ name: 'password', label: 'Password', type: 'password', required: true, hint: 'At least 10 characters.', state: state?.field === 'password' ? { ...state, values: {} } : undefined, extra: html` autocomplete="new-password"` })}
${select({ name: 'role', label: 'I want to', options: [['publisher', 'Promote offers (publisher)'], ['advertiser', 'Advertise my shop (advertiser)'], ['both', 'Both']], state })}
<div><button type="submit">Apply</button></div></form>
<p>Already have an account? <a href="/portal/sign-in">Sign in</a>.</p>`,
    }
  }

  router.get('/sign-up', view(ctx, async (req) => signUpPage(req, req.res as Response)))

  router.post('/sign-up', formPost(ctx, async (req, res) => {
    if (!sessions.signInTokenValid(req)) throw new AppError(403, 'csrf', 'the form expired; please try again')
    const ipKey = ipOf(req)
    const wait = await signUps.retryAfter(ipKey)
    if (wait > 0) throw new AppError(429, 'too_many_attempts', `too many applications from here. Wait ${waitText(wait)} and try again`)
    const body = parse(signUpBody, req.body)
    const password = typeof req.body?.password === 'string' ? req.body.password : ''
    const roles = body.role === 'both' ? ['advertiser', 'publisher'] as const : [body.role]
    // The attempt counts once the application is valid: a mistyped password is not an application.
    await ctx.services.access.apply({ name: body.name, email: body.email, roles: [...roles] }, password, () => signUps.record(ipKey))
    redirect(res, '/portal/sign-in', 'signed-up')
  }, async (req, state) => signUpPage(req, req.res as Response, state)))

  return router
}
