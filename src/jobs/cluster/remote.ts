// How the workbench reaches a cluster: its SLURM client on this machine, or a login node over SSH
// (`ssh -o BatchMode=yes user@host -- COMMAND`). Commands and files go the same way, so the sweep
// code does not know which. Variables naming this process's identity (MIMIC_*) are not passed on,
// as they would not be over SSH: the cluster's mimic reports its own version.
import { spawn } from 'node:child_process'
import type { Cluster } from '../../shared/types.ts'

/** How a cluster is reached: its login (null: the SLURM client here) and an ssh configuration file. */
export type Reach = Pick<Cluster, 'ssh'> & { sshConfig?: string | null }

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

/** A POSIX shell word for any string. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

function clusterEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MIMIC_')) env[k] = v
  return env
}

function spawnCollect(cmd: string, args: string[], input: string | undefined, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: clusterEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (err) => {
      clearTimeout(timer)
      resolve({ code: 127, stdout, stderr: stderr + String(err.message) })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal === 'SIGKILL' && code === null ? `${stderr}timed out after ${timeoutMs} ms` : stderr })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

/** Runs argv on the cluster (locally, or through `ssh user@host`) and collects its output. */
export function runOn(cluster: Reach, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000
  if (cluster.ssh) {
    const config = cluster.sshConfig ? ['-F', cluster.sshConfig] : []
    return spawnCollect('ssh', [...config, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=15', cluster.ssh, '--', argv.map(shellQuote).join(' ')], opts.input, timeoutMs)
  }
  return spawnCollect(argv[0], argv.slice(1), opts.input, timeoutMs)
}

/** Runs a shell script on the cluster (sh -c). */
export function shOn(cluster: Reach, script: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return runOn(cluster, ['sh', '-c', script], opts)
}

/** Where a command failed, in one sentence. */
export function failure(what: string, r: CommandResult): string {
  const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' / ')
  return `${what} failed (exit ${r.code})${said ? `: ${said}` : ''}`
}

/** Writes a file on the cluster atomically (a temporary name, then a rename), making its folder. */
export async function writeFileOn(cluster: Reach, path: string, content: string, mode = '0644'): Promise<void> {
  const q = shellQuote(path)
  const tmp = shellQuote(`${path}.tmp.${process.pid}`)
  const r = await shOn(cluster, `mkdir -p "$(dirname ${q})" && cat > ${tmp} && chmod ${mode} ${tmp} && mv -f ${tmp} ${q}`, { input: content })
  if (r.code !== 0) throw new Error(failure(`writing ${path} on the cluster`, r))
}

/** The files of a folder on the cluster whose names start with `prefix`, with their contents (one round trip). */
export async function readFilesOn(cluster: Reach, dir: string, prefix: string): Promise<Map<string, string>> {
  // Each file as "==> NAME <==" then its content: names are ours (no newlines), contents are JSON.
  const r = await shOn(cluster, `cd ${shellQuote(dir)} 2>/dev/null || exit 0; for f in ${shellQuote(prefix)}*; do [ -f "$f" ] || continue; case "$f" in *.tmp.*) continue;; esac; printf '\\n==> %s <==\\n' "$f"; cat "$f"; done`)
  if (r.code !== 0) throw new Error(failure(`reading ${dir} on the cluster`, r))
  const out = new Map<string, string>()
  const parts = r.stdout.split(/\n==> (.+?) <==\n/)
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i], parts[i + 1])
  return out
}
