// What every portal route module uses: the context, form values, form fields with their errors, redirects.
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { AppError } from '../errors.js'
import type { Services } from '../services.js'
import { html, type Html } from './html.js'
import { send, type Asset, type Page } from './layout.js'
import type { PortalUser, Sessions } from './session.js'

export interface PortalContext {
  services: Services
  sessions: Sessions
  assets: Record<string, Asset>
}

/** The signed-in user (the routes behind the sign-in guard always have one). */
export function userOf(req: Request): PortalUser {
  if (!req.portal) throw new AppError(401, 'unauthenticated', 'sign in first')
  return req.portal
}

/** The submitted form as strings (a repeated field keeps its last value). */
export function formValues(req: Request): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) {
    const last = Array.isArray(value) ? value.at(-1) : value
    if (typeof last === 'string' && key !== '_csrf') values[key] = last
  }
  return values
}

/**
 * The submitted form with the fields its page always sends: a post missing one (hand-made, or a page of an
 * older version) gets the form again with a 400 on that field, before anything reaches the store.
 */
export function formFields<K extends string>(req: Request, required: readonly K[]): Record<string, string> & Record<K, string> {
  const values = formValues(req)
  for (const name of required) if (values[name] === undefined) throw new AppError(400, 'invalid_request', `${name} is missing from the form`, name)
  return values as Record<string, string> & Record<K, string>
}

/** A query parameter as one string, or undefined. */
export const queryValue = (req: Request, name: string): string | undefined => {
  const value = req.query[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** 303 See Other after a form (the browser then GETs), optionally with a fixed notice. */
export function redirect(res: Response, path: string, notice?: string): void {
  res.redirect(303, notice ? `${path}${path.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}` : path)
}

export const csrfField = (req: Request) => html`<input type="hidden" name="_csrf" value="${userOf(req).session.csrfToken}">`

/** A small form that is one button (approve, revoke, …), with the session's CSRF token. */
export const actionButton = (req: Request, action: string, label: string, options: { kind?: 'danger' | 'secondary'; extra?: Html; description?: string } = {}) =>
  html`<form method="post" action="${action}">${csrfField(req)}${options.extra ?? ''}<button type="submit" class="small${options.kind ? ` ${options.kind}` : ''}"${options.description ? html` aria-label="${options.description}"` : ''}>${label}</button></form>`

/** A form that failed: its error, the values to show again, and which input the error belongs to. */
export interface FormState {
  error: AppError
  values: Record<string, string>
  field: string | null
}

/**
 * The form state for an error. API-shaped field names (`saleRule.percent`, `landingUrls.2`) become the form's
 * input names through `inputs` (first segment → input), so the message lands on the right input.
 */
export function failed(req: Request, error: AppError, inputs: Record<string, string> = {}): FormState {
  const head = error.field?.split('.')[0]
  return { error, values: formValues(req), field: error.field ? (inputs[error.field] ?? inputs[head ?? ''] ?? head ?? null) : null }
}

interface FieldOptions {
  name: string
  label: string
  value?: string | null
  hint?: string
  required?: boolean
  state?: FormState
}

function described(o: FieldOptions) {
  const invalid = o.state?.field === o.name
  const ids = [o.hint ? `${o.name}-hint` : '', invalid ? `${o.name}-error` : ''].filter(Boolean).join(' ')
  return {
    value: o.state ? (o.state.values[o.name] ?? '') : (o.value ?? ''),
    attrs: html`${ids ? html` aria-describedby="${ids}"` : ''}${invalid ? html` aria-invalid="true"` : ''}${o.required ? html` required` : ''}`,
    after: html`${o.hint ? html`<span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}${invalid ? html`<span class="field-error" id="${o.name}-error">${o.state!.error.message}</span>` : ''}`,
  }
}

export function input(o: FieldOptions & { type?: string; extra?: Html }): Html {
  const d = described(o)
  return html`<div class="field"><label for="${o.name}">${o.label}</label><input id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" value="${d.value}"${d.attrs}${o.extra ?? ''}>${d.after}</div>`
}

export function textarea(o: FieldOptions & { rows?: number }): Html {
  const d = described(o)
  return html`<div class="field"><label for="${o.name}">${o.label}</label><textarea id="${o.name}" name="${o.name}" rows="${o.rows ?? 3}"${d.attrs}>${d.value}</textarea>${d.after}</div>`
}

export function select(o: FieldOptions & { options: readonly (readonly [string, string])[] }): Html {
  const d = described(o)
  return html`<div class="field"><label for="${o.name}">${o.label}</label><select id="${o.name}" name="${o.name}"${d.attrs}>${o.options.map(([value, label]) =>
    html`<option value="${value}"${value === d.value ? html` selected` : ''}>${label}</option>`)}</select>${d.after}</div>`
}

type Handler = (req: Request, res: Response) => Promise<void>

/**
 * A form's POST handler: on a 4xx AppError the form's page is shown again with the error and the values
 * (status of the error); anything else goes to the error page.
 */
export function formPost(ctx: PortalContext, action: Handler, again: (req: Request, state: FormState) => Promise<Page>, inputs: Record<string, string> = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await action(req, res)
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) return next(error)
      try {
        const page = await again(req, failed(req, error, inputs))
        await send(req, res, ctx.assets, { ...page, status: error.status })
      } catch (inner) {
        next(inner)
      }
    }
  }
}

/** A GET handler answering a page (or a table of it as CSV). */
export const view = (ctx: PortalContext, build: (req: Request) => Promise<Page>): RequestHandler =>
  async (req, res) => send(req, res, ctx.assets, await build(req))
