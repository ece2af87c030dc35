// A real one-node SLURM cluster on 127.0.0.1 for tests: munged, slurmctld and slurmd started from a
// temporary folder with non-default ports, bound to loopback only, stopped by their pid afterwards.
// Needs Debian's slurm-wlm and munge (installed by .ci/run) and root (SlurmUser=root).
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, pidIn, stopProcess } from './daemon.ts'

export interface LocalSlurm {
  dir: string
  /** SLURM_CONF for the clients (sbatch, squeue, sinfo, scancel) */
  env: Record<string, string>
  /** the finished tasks' records (JobCompType=jobcomp/filetxt) */
  jobCompFile: string
  stop(): Promise<void>
}

function readPid(file: string): number | null {
  return existsSync(file) ? pidIn(readFileSync(file, 'utf8')) : null
}

async function stopPid(file: string): Promise<void> {
  const pid = readPid(file)
  if (pid !== null) await stopProcess(pid)
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > until) throw new Error(`local SLURM: ${what} did not happen within ${timeoutMs} ms\n${log()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export function slurmInstalled(): string | null {
  for (const bin of ['munged', 'slurmctld', 'slurmd', 'sbatch']) {
    if (spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0) return `${bin} is missing: install slurm-wlm and munge (\`apt-get install -y slurm-wlm munge\`, as .ci/run does)`
  }
  return null
}

/** Starts munged, slurmctld and slurmd in a fresh temporary folder and waits until the node is idle. */
export async function startLocalSlurm(opts: { maxArraySize?: number } = {}): Promise<LocalSlurm> {
  const missing = slurmInstalled()
  if (missing) throw new Error(missing)
  const dir = mkdtempSync(join(tmpdir(), 'mimic-slurm-'))
  chmodSync(dir, 0o755)
  const sock = join(dir, 'munge')
  mkdirSync(sock, { mode: 0o755 })
  chmodSync(sock, 0o755)
  const key = join(dir, 'munge.key')
  writeFileSync(key, randomBytes(1024), { mode: 0o400 })
  const spool = join(dir, 'spool')
  mkdirSync(join(spool, 'localhost'), { recursive: true })
  const state = join(dir, 'state')
  mkdirSync(state)
  const [ctldPort, dPort, srunBase] = [await freePort(), await freePort(), 40_000 + Math.floor(Math.random() * 20_000)]
  const jobCompFile = join(dir, 'jobcomp.txt')
  const conf = join(dir, 'slurm.conf')
  writeFileSync(
    conf,
    [
      'ClusterName=mimictest',
      'SlurmctldHost=localhost(127.0.0.1)',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `SrunPortRange=${srunBase}-${srunBase + 20}`,
      'CommunicationParameters=NoCtldInAddrAny,NoInAddrAny',
      'AuthType=auth/munge',
      `AuthInfo=socket=${join(sock, 'munge.sock')}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      `StateSaveLocation=${state}`,
      `SlurmdSpoolDir=${spool}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'MailProg=/bin/true',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${jobCompFile}`,
      'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0',
      'ReturnToService=2',
      `MaxArraySize=${opts.maxArraySize ?? 1001}`,
      'KillWait=2',
      'InactiveLimit=0',
      `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${availableParallelism()} RealMemory=2000 State=UNKNOWN`,
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  )
  const env = { SLURM_CONF: conf }
  const log = (): string =>
    ['munged.log', 'slurmctld.log', 'slurmd.log']
      .map((f) => (existsSync(join(dir, f)) ? `--- ${f}\n${readFileSync(join(dir, f), 'utf8').split('\n').slice(-15).join('\n')}` : `--- ${f} (none)`))
      .join('\n')
  const started: LocalSlurm = {
    dir,
    env,
    jobCompFile,
    async stop() {
      await stopPid(join(dir, 'slurmd.pid'))
      await stopPid(join(dir, 'slurmctld.pid'))
      await stopPid(join(dir, 'munged.pid'))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    execFileSync('munged', [
      '--force',
      `--key-file=${key}`,
      `--socket=${join(sock, 'munge.sock')}`,
      `--pid-file=${join(dir, 'munged.pid')}`,
      `--log-file=${join(dir, 'munged.log')}`,
      `--seed-file=${join(dir, 'munged.seed')}`,
    ])
    await waitFor('munged started', () => readPid(join(dir, 'munged.pid')) !== null, 5000, log)
    const daemonEnv = { ...process.env, ...env }
    execFileSync('slurmctld', ['-i'], { env: daemonEnv, stdio: 'ignore' })
    await waitFor('slurmctld started', () => readPid(join(dir, 'slurmctld.pid')) !== null, 10_000, log)
    execFileSync('slurmd', ['-N', 'localhost'], { env: daemonEnv, stdio: 'ignore' })
    await waitFor(
      'the node reached idle',
      () => spawnSync('sinfo', ['-h', '-N', '-o', '%t'], { env: daemonEnv, encoding: 'utf8' }).stdout?.trim() === 'idle',
      20_000,
      log,
    )
  } catch (err) {
    await started.stop()
    throw err
  }
  return started
}
