// JSON shapes of the API: money as minor units plus a currency and a decimal string for people.
import type { NextFunction, Request, Response } from 'express'
import { AppError } from '../errors.js'
import { formatAmount } from '../money.js'
import type { Conversion } from '../storage/types.js'

/** Refuses bodies that are not JSON with a 415 naming the content type. */
export function requireJson(req: Request, _res: Response, next: NextFunction) {
  if (!req.is('application/json')) return next(new AppError(415, 'unsupported_content_type', 'send the body as application/json', 'content-type'))
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return next(new AppError(400, 'invalid', 'the body must be a JSON object', 'body'))
  next()
}

export const money = (amount: number, currency: string) => ({ amount, currency, formatted: formatAmount(amount, currency) })

export function conversionJson(c: Conversion) {
  return {
    id: c.id, orderId: c.orderId, type: c.type, status: c.status, source: c.source, reason: c.reason,
    campaignId: c.campaignId, trackingCodeId: c.trackingCodeId, publisherId: c.publisherId, clickId: c.clickId,
    amount: money(c.amount, c.currency), commission: money(c.commission, c.commissionCurrency), commissionRule: c.commissionRule,
    refunded: money(c.refundedAmount, c.currency), reversedCommission: money(c.reversedCommission, c.commissionCurrency),
    customerEmail: c.customerEmail, createdAt: c.createdAt, approveAt: c.approveAt, decidedAt: c.decidedAt,
  }
}
