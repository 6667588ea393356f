// Revenue from campaigns' collections (message events, webhook tokens, settings, attributions), bound with the
// others by bindModels. The indexes mirror the postgres driver's migration 3.
import { Schema, type Connection } from 'mongoose'
import type { Attribution, MessageEvent, RevenueSettings } from '../contract/index.js'

/** `_id` is the provider's event id when there is one (that is the dedupe), else a random id. */
export type MessageEventDoc = MessageEvent & { _id: string; seq: number }
export type WebhookTokenDoc = { _id: string; at: Date }
export type RevenueSettingsDoc = Omit<RevenueSettings, 'accountId'> & { _id: string }
export type AttributionDoc = Omit<Attribution, 'orderId'> & { _id: string }

const options = { versionKey: false, minimize: false } as const
const { Mixed } = Schema.Types

const messageEventSchema = new Schema<MessageEventDoc>({
  _id: String,
  messageId: String,
  type: String,
  at: Date,
  providerEventId: String,
  createdAt: Date,
  seq: Number,
}, options)
messageEventSchema.index({ messageId: 1, type: 1, at: 1 })

const webhookTokenSchema = new Schema<WebhookTokenDoc>({
  _id: String,
  at: { type: Date, index: true },
}, options)

const revenueSettingsSchema = new Schema<RevenueSettingsDoc>({
  _id: String,
  channels: Mixed,
  currency: String,
  excludedTags: [String],
  version: Number,
  updatedAt: Date,
}, options)

const attributionSchema = new Schema<AttributionDoc>({
  _id: String,
  accountId: String,
  orderedAt: Date,
  total: Number,
  currency: String,
  status: String,
  messageId: String,
  messageAccountId: String,
  campaignId: String,
  channel: String,
  tags: [String],
  linkedAt: Date,
  settingsVersion: Number,
}, options)
// A report reads only the period's attributed orders; stale attributions are found by a probe of the third.
attributionSchema.index({ accountId: 1, orderedAt: 1 }, { partialFilterExpression: { messageId: { $type: 'string' } } })
attributionSchema.index({ messageAccountId: 1, orderedAt: 1 }, { partialFilterExpression: { messageAccountId: { $type: 'string' } } })
attributionSchema.index({ accountId: 1, settingsVersion: 1, orderedAt: 1 })

export function bindRevenueModels(connection: Connection) {
  return {
    MessageEvent: connection.model('MessageEvent', messageEventSchema, 'messageEvents'),
    WebhookToken: connection.model('WebhookToken', webhookTokenSchema, 'webhookTokens'),
    RevenueSettings: connection.model('RevenueSettings', revenueSettingsSchema, 'revenueSettings'),
    Attribution: connection.model('Attribution', attributionSchema, 'attributions'),
  }
}
