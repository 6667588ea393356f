// Revenue from campaigns (F7): webhook signature tokens already seen (replay protection).

export interface WebhookTokenRepository {
  /** Remembers a webhook signature token; false when it was seen before (a replay). */
  use(token: string, at: Date): Promise<boolean>
  /** Forgets tokens seen before `before`; returns how many. */
  purgeBefore(before: Date): Promise<number>
}
