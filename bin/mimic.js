#!/usr/bin/env node
// The `mimic` command. It runs on the Node pinned in package.json (node_modules/node): when
// started by an older Node (for example the system's), it re-runs itself with the pinned one.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const major = Number(process.versions.node.split('.')[0])

if (major < 24) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(pinned)) {
    console.error(`mimic: needs Node 24 (this is ${process.version}) and the pinned one is not installed: run \`npm ci\` in ${root}.`)
    process.exit(1)
  }
  // The pinned Node runs as a child that writes to the same terminal, in a process group of its own,
  // so that every signal reaches it exactly once, through this process: Ctrl-C at the terminal (which
  // signals only the foreground group, this one) as well as a signal sent to this process alone (a
  // supervisor's SIGTERM, `kill PID`). This process ends when the child does, with its exit code or
  // by its signal: no child is left behind (e.g. a `board emulate` holding its port). mimic never
  // reads the terminal, so the child being in a background group costs nothing.
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', detached: true, env: { ...process.env, MIMIC_WRAPPER_PID: String(process.pid) } })
  const forward = (signal) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(signal, forward(signal))
  // Ctrl-Z (SIGTSTP) stops only this, the terminal's foreground group: stop the child's whole group too
  // (its job workers), then this process; `fg`/`bg` (SIGCONT) continues them.
  const group = (signal) => {
    try {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal)
    } catch {
      // the child's group is gone
    }
  }
  process.on('SIGTSTP', () => {
    group('SIGSTOP')
    process.kill(process.pid, 'SIGSTOP')
  })
  process.on('SIGCONT', () => group('SIGCONT'))
  child.on('error', (err) => {
    console.error(`mimic: could not start the pinned Node at ${pinned}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else {
      process.exit(code ?? 1)
    }
  })
} else {
  // Run by the wrapper above: a wrapper killed with SIGKILL (which it cannot forward) would leave this
  // process running on its own (a server holding its port, a job nobody waits for); when this process
  // finds itself orphaned, it stops as if the wrapper had sent SIGTERM.
  const wrapper = Number(process.env.MIMIC_WRAPPER_PID)
  delete process.env.MIMIC_WRAPPER_PID
  if (Number.isInteger(wrapper) && wrapper > 0) {
    const watch = setInterval(() => {
      if (process.ppid !== wrapper) {
        clearInterval(watch)
        process.kill(process.pid, 'SIGTERM')
      }
    }, 500)
    watch.unref()
  }
  // Node's on-disk compile cache for our modules, enabled before they load (src/system/process.ts, which
  // imports only Node's own modules): a command starts in about half the time. Its directory goes to the
  // child Node processes too (job workers, `serve`'s daemons) through NODE_COMPILE_CACHE.
  const { compileCacheEnv } = await import('../src/system/process.ts')
  compileCacheEnv()
  await run()
}

async function run() {
  const { main } = await import('../src/cli/main.ts')
  const code = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stderr.isTTY),
  })
  // A write to a full pipe (a reader that is slow or starts late) completes asynchronously: wait until
  // everything written has been handed over, or the exit would cut the output at the pipe's buffer.
  const flushed = (stream) => new Promise((resolve) => (stream.writableNeedDrain || stream.writableLength > 0 ? stream.write('', () => resolve()) : resolve()))
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}
