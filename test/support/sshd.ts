// A real OpenSSH server on 127.0.0.1 for tests: sshd started from a temporary folder with its own
// configuration, host key and a generated client key for the current user, on a free port, stopped
// by its pid afterwards. The client side is an ssh configuration file (ssh -F) naming the port, the
// key and the known host, so nothing in ~/.ssh is read or written. `env` is set for every session
// (SetEnv), as a login node's profile would set SLURM_CONF.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { alive, freePort, pidIn, signalPid, stopProcess } from './daemon.ts'

export interface LocalSshd {
  dir: string
  /** user@127.0.0.1 */
  login: string
  /** the client's configuration file: pass it as `ssh -F` (mimic cluster add --ssh-config) */
  clientConfig: string
  pid: number
  stop(): Promise<void>
}

const sshd = '/usr/sbin/sshd'

export function sshdInstalled(): string | null {
  if (!existsSync(sshd)) return 'sshd is missing: install openssh-server (`apt-get install -y openssh-server`, as .ci/run does)'
  if (spawnSync('sh', ['-c', 'command -v ssh && command -v ssh-keygen']).status !== 0) return 'ssh or ssh-keygen is missing: install openssh-client'
  return null
}

/** Starts sshd on a free loopback port and waits until a session runs a command through it. */
export async function startLocalSshd(opts: { env?: Record<string, string> } = {}): Promise<LocalSshd> {
  const missing = sshdInstalled()
  if (missing) throw new Error(missing)
  const dir = mkdtempSync(join(tmpdir(), 'mimic-sshd-'))
  chmodSync(dir, 0o755)
  const user = userInfo().username
  // as root, sshd insists on its privilege separation directory (the package's service would make it)
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true })
  const hostKey = join(dir, 'host_ed25519')
  const userKey = join(dir, 'user_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey])
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey])
  const authorized = join(dir, 'authorized_keys')
  writeFileSync(authorized, readFileSync(`${userKey}.pub`), { mode: 0o600 })
  const port = await freePort()
  const pidFile = join(dir, 'sshd.pid')
  const log = join(dir, 'sshd.log')
  const conf = join(dir, 'sshd_config')
  const setEnv = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      `AllowUsers ${user}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PrintMotd no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'MaxStartups 50:30:100',
      'MaxSessions 50',
      ...(setEnv.length ? [`SetEnv ${setEnv.join(' ')}`] : []),
      '',
    ].join('\n'),
  )
  const knownHosts = join(dir, 'known_hosts')
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`)
  const clientConfig = join(dir, 'ssh_config')
  writeFileSync(
    clientConfig,
    ['Host 127.0.0.1', `  Port ${port}`, `  User ${user}`, `  IdentityFile ${userKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${knownHosts}`, '  StrictHostKeyChecking yes', '  LogLevel ERROR', ''].join('\n'),
  )
  // sshd daemonises and writes its pid file once it listens
  execFileSync(sshd, ['-f', conf, '-E', log])
  const until = Date.now() + 20_000
  // the pid file exists before sshd writes its pid into it: an empty read is not pid 0 (which would
  // signal this whole process group when the server is stopped); it is read again once a session works
  const readPidFile = (): number | null => (existsSync(pidFile) ? pidIn(readFileSync(pidFile, 'utf8')) : null)
  let pid: number | null = null
  for (;;) {
    if (readPidFile() !== null) {
      const r = spawnSync('ssh', ['-F', clientConfig, '-o', 'BatchMode=yes', `${user}@127.0.0.1`, '--', 'echo', 'ready'], { encoding: 'utf8', timeout: 15_000 })
      pid = readPidFile()
      if (pid !== null && r.status === 0 && r.stdout.trim() === 'ready') break
    }
    if (Date.now() > until) {
      const said = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-10).join('\n') : '(no log)'
      pid = readPidFile()
      if (pid !== null && alive(pid)) signalPid(pid, 'SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`local sshd did not accept a session within 20 s:\n${said}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const daemon = pid
  return {
    dir,
    login: `${user}@127.0.0.1`,
    clientConfig,
    pid: daemon,
    async stop() {
      await stopProcess(daemon)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
