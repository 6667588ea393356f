/** An email address as the product accepts it everywhere: local part, @, a domain with a dot; at most 254. */
export const isEmailAddress = (value: string): boolean => value.length <= 254 && /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(value)
