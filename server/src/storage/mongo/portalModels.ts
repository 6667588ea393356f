// The portal's collections (sessions, payout batches, payouts), bound with the others by bindModels.
import { Schema, type Connection } from 'mongoose'
import type { Payout, PayoutBatch, Session } from '../contract/index.js'

export type SessionDoc = Omit<Session, 'id'> & { _id: string }
export type PayoutBatchDoc = Omit<PayoutBatch, 'id'> & { _id: string; seq: number }
export type PayoutDoc = Omit<Payout, 'id'> & { _id: string; seq: number }

const options = { versionKey: false, minimize: false } as const

const sessionSchema = new Schema<SessionDoc>({
  _id: String,
  accountId: { type: String, index: true },
  csrfToken: String,
  createdAt: Date,
  expiresAt: Date,
}, options)
// MongoDB deletes expired sessions itself; get() still checks the time, as the TTL monitor runs once a minute.
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 })

const payoutBatchSchema = new Schema<PayoutBatchDoc>({
  _id: String,
  period: { type: String, unique: true },
  status: String,
  createdBy: String,
  createdAt: Date,
  paidAt: Date,
  seq: Number,
}, options)
payoutBatchSchema.index({ createdAt: -1, seq: -1 })

const payoutSchema = new Schema<PayoutDoc>({
  _id: String,
  batchId: String,
  accountId: String,
  amount: Number,
  currency: String,
  status: String,
  note: String,
  createdAt: Date,
  paidAt: Date,
  seq: Number,
}, options)
payoutSchema.index({ batchId: 1, accountId: 1, currency: 1 }, { unique: true })
payoutSchema.index({ accountId: 1, createdAt: -1, seq: -1 })
payoutSchema.index({ status: 1, accountId: 1, currency: 1 })

export function bindPortalModels(connection: Connection) {
  return {
    Session: connection.model('Session', sessionSchema, 'portalSessions'),
    PayoutBatch: connection.model('PayoutBatch', payoutBatchSchema, 'payoutBatches'),
    Payout: connection.model('Payout', payoutSchema, 'payouts'),
  }
}
