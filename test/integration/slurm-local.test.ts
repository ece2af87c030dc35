// The test support's one-node SLURM cluster: it starts on loopback, runs an array job and stops.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLocalSlurm, type LocalSlurm } from '../support/slurm.ts'

let slurm: LocalSlurm
beforeAll(async () => {
  slurm = await startLocalSlurm()
})
afterAll(async () => {
  const pids = ['slurmd.pid', 'slurmctld.pid', 'munged.pid'].map((f) => Number(readFileSync(join(slurm.dir, f), 'utf8')))
  await slurm.stop()
  // stopped by pid: none of the three daemons is left
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
})

test('a one-node cluster on 127.0.0.1 runs an sbatch --array to the end', async () => {
  const conf = readFileSync(slurm.env.SLURM_CONF, 'utf8')
  expect(conf).toMatch(/SlurmctldHost=localhost\(127\.0\.0\.1\)/)
  expect(conf).not.toMatch(/SlurmctldPort=6817\n/)
  const script = join(slurm.dir, 'hello.sh')
  writeFileSync(script, `#!/bin/sh\necho "task $SLURM_ARRAY_TASK_ID" > ${slurm.dir}/out-$SLURM_ARRAY_TASK_ID.txt\n`, { mode: 0o755 })
  const id = execFileSync('sbatch', ['--parsable', '--array=0-2', `--chdir=${slurm.dir}`, '--output=/dev/null', script], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' }).trim()
  expect(id).toMatch(/^\d+$/)
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    const left = execFileSync('squeue', ['-h', '-r', '-j', id, '-o', '%i %T'], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' }).trim()
    if (left === '') break
    await new Promise((r) => setTimeout(r, 100))
  }
  for (const i of [0, 1, 2]) expect(readFileSync(join(slurm.dir, `out-${i}.txt`), 'utf8')).toBe(`task ${i}\n`)
  // the job completion log names each task with its state
  expect(existsSync(slurm.jobCompFile)).toBe(true)
  const comp = readFileSync(slurm.jobCompFile, 'utf8')
  expect(comp.match(/JobState=COMPLETED/g)?.length).toBe(3)
})
