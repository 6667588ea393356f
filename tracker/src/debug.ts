import { data } from './config'

/** Says why something was skipped, only when the tag has `data-debug`: silent on real pages. */
export const skip = (reason: unknown): void => {
  if ('debug' in data) console.debug('nw', reason)
}

/** Runs one entry point so that nothing it throws reaches the host page. */
export const guard = (run: () => void): void => {
  try {
    run()
  } catch (error) {
    skip(error)
  }
}
