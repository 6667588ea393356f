// Clicks on links.

export interface Click {
  /** Random, unguessable, 22 characters of base64url (128 bits). */
  id: string
  linkId: string
  campaignId: string
  advertiserId: string
  publisherId: string
  createdAt: Date
  /** sub1..sub5, passed through from the link's query string. */
  subIds: (string | null)[]
  userAgent: string | null
  referrer: string | null
  /** Keyed hash of the IP address; the raw address is never stored. */
  ipHash: string | null
  /** Keyed hash identifying a visitor (IP + user agent) for duplicate detection. */
  visitorKey: string
  bot: boolean
  duplicate: boolean
  landingUrl: string
}

export interface ClickRepository {
  /**
   * Stores clicks in one round trip; resolves once they are durable. With a window, a click also counts as
   * a duplicate when the same visitor clicked the same link within the window before it (already stored).
   * Idempotent by id: a click already stored is left as it is and the rest of the batch is stored (a hit
   * replayed from the spool).
   */
  insertMany(clicks: Click[], options?: { duplicateWindowMs?: number }): Promise<void>
  get(id: string): Promise<Click | null>
}
