import { guard } from './debug'

/** The global `nw`: the pasted stub queues calls in `q`; the loaded script replaces it and marks `loaded`. */
export interface Nw {
  (name: string, argument?: unknown): void
  q?: IArguments[]
  loaded?: 1
}

declare global {
  interface Window {
    nw?: Nw
  }
}

/**
 * Replaces the stub with a function that runs commands directly, then replays what the stub queued, in order.
 * An unknown command name throws inside the guard, which logs it.
 */
export const installQueue = (commands: Record<string, (argument: any) => void>, queued: IArguments[] = []): void => {
  const nw: Nw = (name, argument) => guard(() => commands[name]!(argument))
  nw.loaded = 1
  window.nw = nw
  for (const call of queued) nw(...(call as unknown as [string]))
}
