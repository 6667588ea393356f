// Revenue from campaigns (F7): what happened to a message.
import type { Message } from './messages.js'

/** What happened to a message. `sent` is the message's sentAt (or Mailgun's `accepted`). */
export type MessageEventType = 'sent' | 'delivered' | 'opened' | 'clicked' | 'failed'
/** The events that can link a message to a sale. */
export type LinkingEvent = 'sent' | 'delivered' | 'opened' | 'clicked'
export interface MessageEvent {
  messageId: string
  type: MessageEventType
  at: Date
  /** The provider's event id (Mailgun's `event-data.id`): a retried delivery of one event is stored once. */
  providerEventId: string | null
  createdAt: Date
}
export type NewMessageEvent = Omit<MessageEvent, 'createdAt'>

export interface MessageEventRepository {
  /** Stores the event unless one with the same providerEventId exists; then returns that one, created=false. */
  record(event: NewMessageEvent): Promise<{ event: MessageEvent; created: boolean }>
  /** Oldest first. */
  listByMessage(messageId: string): Promise<MessageEvent[]>
  /** The message with this provider id, given with or without its angle brackets. */
  findMessage(providerId: string): Promise<Message | null>
}
