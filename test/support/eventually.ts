/**
 * Polls until `probe` returns a value (not undefined, null or false) and returns it, or fails naming what it
 * waited for. The wait for an event the test cannot subscribe to (a row written, a job finished) — never a
 * sleep to prove that something did not happen.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
