// The part of proxy-addr (Express's own dependency for 'trust proxy') this server uses.
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http'
  type Trust = (address: string, hop: number) => boolean
  function proxyaddr(req: IncomingMessage, trust: Trust | string | string[]): string
  namespace proxyaddr {
    function compile(value: string | string[]): Trust
    function all(req: IncomingMessage, trust?: Trust | string | string[]): string[]
  }
  export default proxyaddr
}
