// Messages (offer emails and any campaign sent through the network).

/** Only email is sent today; `sms` is there because the model (and revenue settings) are per channel. */
export type Channel = 'email' | 'sms'
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed'
export interface Message {
  id: string
  /** The account in whose name it is sent (the shop). */
  accountId: string
  /** The order that triggered it; one message per (account, order). */
  orderId: string | null
  channel: Channel
  /** Lower-cased address; null once forgotten (retention). */
  recipient: string | null
  subject: string
  tags: string[]
  /** The advertisers' campaigns whose offers it carries. */
  campaignIds: string[]
  status: MessageStatus
  attempts: number
  /** While `sending`: the claim expires then (a crashed sender never makes a second email). */
  leaseUntil: Date | null
  /** The provider's message id (Mailgun's `id`). */
  providerId: string | null
  error: string | null
  createdAt: Date
  sentAt: Date | null
}
export type NewMessage = Omit<Message, 'createdAt' | 'sentAt' | 'attempts' | 'leaseUntil' | 'providerId' | 'error'>
export type MessagePatch = Partial<Pick<Message, 'status' | 'providerId' | 'error' | 'sentAt' | 'leaseUntil' | 'subject' | 'campaignIds' | 'tags'>>

export interface MessageRepository {
  /** Inserts unless a message for the same (accountId, orderId) exists; then returns that one. */
  insertIfAbsent(message: NewMessage): Promise<{ message: Message; created: boolean }>
  get(id: string): Promise<Message | null>
  /**
   * Claims a queued message for sending (compare-and-set queued → sending, attempts + 1, leaseUntil);
   * null when it is not queued. Only the claimer may send it.
   */
  claim(id: string, leaseUntil: Date): Promise<Message | null>
  /** Updates a message only while it is in one of `from` states. */
  update(id: string, from: MessageStatus[], patch: MessagePatch): Promise<Message | null>
  /** Messages stuck in `sending` whose lease ended before `now`. */
  listExpiredLeases(now: Date, limit?: number): Promise<Message[]>
  /** Newest first. */
  listByAccount(accountId: string, limit?: number): Promise<Message[]>
  /** Clears recipients of messages created before `before`; returns how many. */
  forgetBefore(before: Date): Promise<number>
}
