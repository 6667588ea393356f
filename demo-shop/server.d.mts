export interface DemoShop {
  url: string
  stop(): Promise<void>
}
export function startDemoShop(options: { port: number; host: string; networkUrl: string; trackingCode?: string }): Promise<DemoShop>
