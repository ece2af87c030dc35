// Job workers in the Electron app run in utilityProcess (a Node child that Electron manages), so
// that a native fault in a job cannot take down the window. No `electron` import here: main passes
// utilityProcess in.
import { isFromWorker, type FromWorker, type Spawner, type ToWorker } from '../services/workers.ts'

export interface UtilityProcessLike {
  pid: number | undefined
  postMessage(message: ToWorker): void
  on(event: 'message', fn: (message: unknown) => void): void
  on(event: 'exit', fn: (code: number) => void): void
  kill(): boolean
}

export interface UtilityProcessModule {
  fork(modulePath: string, args?: string[], options?: { env?: Record<string, string>; serviceName?: string; stdio?: string }): UtilityProcessLike
}

export function utilitySpawner(utilityProcess: UtilityProcessModule, baseEnv: Record<string, string>): Spawner {
  return (entry, env) => {
    const child = utilityProcess.fork(entry, [], { env: { ...baseEnv, ...env }, serviceName: 'mimic-job', stdio: 'inherit' })
    return {
      get pid() {
        return child.pid
      },
      send: (msg) => child.postMessage(msg),
      onMessage: (fn: (m: FromWorker) => void) =>
        child.on('message', (m) => {
          if (isFromWorker(m)) fn(m)
        }),
      onExit: (fn) => child.on('exit', (code) => fn(code, null)),
      kill: () => {
        child.kill()
      },
    }
  }
}
