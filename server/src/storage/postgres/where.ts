// The one WHERE builder of the postgres driver: conditions pushed with their values, numbered `$n` in order.

export interface Where {
  /** The statement's parameters, in `$n` order (those given to where() first). */
  readonly params: unknown[]
  /**
   * Adds a condition (joined with AND); each `?` in it stands for the next of `values`. A condition cannot use
   * PostgreSQL's own `?` operators (jsonb), which these tables never need.
   */
  and(condition: string, ...values: unknown[]): Where
  /** A parameter outside the conditions (a SET value, a LIMIT, an OFFSET): its `$n`. */
  param(value: unknown): string
  /** `WHERE c1 AND c2 …`, or '' without conditions; a statement may repeat it (its `$n` stay the same). */
  readonly clause: string
}

/** A WHERE builder whose statement starts with `params` as `$1`… (values the statement's fixed text refers to). */
export function where(...params: unknown[]): Where {
  const values = [...params]
  const conditions: string[] = []
  const placeholder = (value: unknown) => `$${values.push(value)}`
  const self: Where = {
    params: values,
    and(condition, ...given) {
      const expected = condition.split('?').length - 1
      if (expected !== given.length) throw new Error(`where: ${expected} placeholders but ${given.length} values in "${condition}"`)
      let next = 0
      conditions.push(condition.replace(/\?/g, () => placeholder(given[next++])))
      return self
    },
    param: placeholder,
    get clause() {
      return conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''
    },
  }
  return self
}
