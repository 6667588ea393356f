// JSON shapes of the API: money as minor units plus a currency and a decimal string for people. Each builder
// returns the output type of its schema in schemas.ts, so the OpenAPI document describes what is sent.
import type { NextFunction, Request, Response } from 'express'
import { AppError } from '../errors.js'
import { formatAmount } from '../money.js'
import type { Account, ApiKey, Campaign, CommissionOverride, Conversion, LeadRule, SaleRule } from '../storage/types.js'
import type { z } from 'zod'
import type * as S from './schemas.js'

/** Refuses bodies that are not JSON with a 415 naming the content type. */
export function requireJson(req: Request, _res: Response, next: NextFunction) {
  if (!req.is('application/json')) return next(new AppError(415, 'unsupported_content_type', 'send the body as application/json', 'content-type'))
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return next(new AppError(400, 'invalid', 'the body must be a JSON object', 'body'))
  const problem = illFormed(req.body, [], 0)
  if (problem) return next(new AppError(400, 'invalid', problem.message, problem.field))
  next()
}

const loneSurrogate = /\p{Cs}/u
const maxDepth = 20

/**
 * JSON may carry text that is not Unicode (a lone surrogate such as "\ud800"), which no store can keep as
 * JSON; and nesting deeper than any request needs. Either is refused up front, naming where it is.
 */
function illFormed(value: unknown, path: string[], depth: number): { field: string; message: string } | null {
  const field = () => path.join('.') || 'body'
  if (typeof value === 'string') return loneSurrogate.test(value) ? { field: field(), message: `${field()} is not valid Unicode text` } : null
  if (typeof value !== 'object' || value === null) return null
  if (depth >= maxDepth) return { field: field(), message: `${field()} is nested too deeply` }
  for (const [key, item] of Object.entries(value)) {
    if (loneSurrogate.test(key)) return { field: field(), message: `${field()} has a field name that is not valid Unicode text` }
    const found = illFormed(item, [...path, key], depth + 1)
    if (found) return found
  }
  return null
}

/** The optional Idempotency-Key header, checked: 1–100 printable characters. */
export function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key')
  if (key !== undefined && !/^[\x21-\x7e]{1,100}$/.test(key)) {
    throw new AppError(400, 'invalid', 'Idempotency-Key must be 1–100 printable characters', 'Idempotency-Key')
  }
  return key
}

export const money = (amount: number, currency: string): z.output<typeof S.Money> => ({ amount, currency, formatted: formatAmount(amount, currency) })

export function conversionJson(c: Conversion): z.output<typeof S.Conversion> {
  return {
    id: c.id, orderId: c.orderId, type: c.type, status: c.status, source: c.source, reason: c.reason,
    campaignId: c.campaignId, trackingCodeId: c.trackingCodeId, publisherId: c.publisherId, clickId: c.clickId,
    amount: money(c.amount, c.currency), commission: money(c.commission, c.commissionCurrency), commissionRule: c.commissionRule,
    refunded: money(c.refundedAmount, c.currency), reversedCommission: money(c.reversedCommission, c.commissionCurrency),
    customerEmail: c.customerEmail, createdAt: c.createdAt, approveAt: c.approveAt, decidedAt: c.decidedAt,
  }
}

/** Answers an empty body as `{}`; any body must be a JSON object (actions whose fields are all optional). */
export function optionalJson(req: Request, res: Response, next: NextFunction) {
  const empty = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0'
  if (!empty) return requireJson(req, res, next)
  req.body = {}
  next()
}

/** An account as the API shows it: never its password hash. */
export const accountJson = (a: Account): z.output<typeof S.Account> => ({ id: a.id, name: a.name, email: a.email, roles: a.roles, status: a.status, createdAt: a.createdAt })

/** An API key as listed: never its hash (the key itself is not stored at all). */
export const apiKeyJson = (k: ApiKey): z.output<typeof S.ApiKey> => ({ id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt, revokedAt: k.revokedAt })

/** 1250 basis points → "12.5". */
export const percentText = (basisPoints: number) => (basisPoints / 100).toFixed(2).replace(/\.?0+$/, '')

/** A commission rule: a percentage (with its basis points) or a fixed amount in `currency`. */
function ruleJson(rule: SaleRule | LeadRule | null, currency: string): z.output<typeof S.Rule> {
  if (!rule) return null
  return rule.kind === 'percent'
    ? { kind: 'percent' as const, percent: percentText(rule.basisPoints), basisPoints: rule.basisPoints }
    : { kind: 'fixed' as const, amount: money(rule.amount, currency) }
}

export function campaignJson(c: Campaign): z.output<typeof S.Campaign> {
  return {
    id: c.id, advertiserId: c.advertiserId, name: c.name, description: c.description, status: c.status, currency: c.currency,
    landingUrls: c.landingUrls, cookieWindowDays: c.cookieWindowDays, holdDays: c.holdDays, attribution: c.attribution,
    saleRule: ruleJson(c.saleRule, c.currency), leadRule: ruleJson(c.leadRule, c.currency), firstPartyPath: c.firstPartyPath, createdAt: c.createdAt,
  }
}

/** What a publisher may see of another advertiser's active campaign: enough to promote it. */
export function publicCampaignJson(c: Campaign): z.output<typeof S.PublicCampaign> {
  return {
    id: c.id, name: c.name, description: c.description, currency: c.currency, landingUrls: c.landingUrls,
    cookieWindowDays: c.cookieWindowDays, attribution: c.attribution,
    saleRule: ruleJson(c.saleRule, c.currency), leadRule: ruleJson(c.leadRule, c.currency),
  }
}

export function overrideJson(o: CommissionOverride, currency: string): z.output<typeof S.Override> {
  return { campaignId: o.campaignId, publisherId: o.publisherId, saleRule: ruleJson(o.saleRule, currency), leadRule: ruleJson(o.leadRule, currency) }
}
