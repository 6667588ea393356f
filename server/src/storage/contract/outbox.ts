// The local outbox: emails kept instead of sent.

/** An email the local outbox kept instead of sending (no Mailgun key: demos and development). */
export interface OutboxEmail {
  id: string
  messageId: string | null
  from: string
  to: string
  subject: string
  html: string
  text: string
  headers: Record<string, string>
  createdAt: Date
}

export interface OutboxRepository {
  add(email: Omit<OutboxEmail, 'createdAt'>): Promise<OutboxEmail>
  get(id: string): Promise<OutboxEmail | null>
  /** Newest first. */
  list(limit?: number): Promise<OutboxEmail[]>
}
