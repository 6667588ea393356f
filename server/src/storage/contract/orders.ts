// Orders (shops notify them; advertisers report them for revenue).

export type OrderStatus = 'initialized' | 'in_progress' | 'delivered' | 'cancelled' | 'refunded'
export interface OrderItem {
  sku: string | null
  name: string
  quantity: number
  /** Unit price in minor units of the order's currency. */
  price: number
}
export interface Order {
  id: string
  /** The account that reported the order (a shop, or an advertiser). */
  accountId: string
  /** The order id in the shop's own system; unique per account. */
  externalId: string
  customerId: string | null
  /** Lower-cased buyer email; null once forgotten (retention) or when not given. */
  email: string | null
  name: string | null
  total: number
  currency: string
  status: OrderStatus
  items: OrderItem[]
  orderedAt: Date
  createdAt: Date
  updatedAt: Date
}
export type NewOrder = Omit<Order, 'createdAt' | 'updatedAt'>
export interface OrderQuery {
  accountId: string
  from?: Date
  to?: Date
  limit?: number
}

export interface OrderRepository {
  /**
   * Creates the order, or updates the existing one with the same (accountId, externalId). With
   * `keepOrderedAt`, an update keeps the stored orderedAt (a status update that gave no order date).
   */
  upsert(order: NewOrder, options?: { keepOrderedAt?: boolean }): Promise<{ order: Order; created: boolean }>
  get(id: string): Promise<Order | null>
  getByExternalId(accountId: string, externalId: string): Promise<Order | null>
  /** Newest first by orderedAt. */
  list(query: OrderQuery): Promise<Order[]>
  /** Clears buyer emails and names of orders created before `before`; returns how many. */
  forgetBefore(before: Date): Promise<number>
}
