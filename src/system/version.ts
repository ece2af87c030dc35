// The code version recorded with every run: package version plus the git commit (and "-dirty"
// when the working tree has uncommitted changes), or the package version alone outside git.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

let cachedVersion: string | undefined
let cachedCode: string | undefined

export function packageVersion(): string {
  if (cachedVersion) return cachedVersion
  try {
    cachedVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    cachedVersion = process.env.MIMIC_VERSION ?? '0.0.0'
  }
  return cachedVersion
}

export function codeVersion(): string {
  if (cachedCode) return cachedCode
  const base = packageVersion()
  if (process.env.MIMIC_CODE_VERSION) return (cachedCode = process.env.MIMIC_CODE_VERSION)
  try {
    const opts = { cwd: repoRoot, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], timeout: 5000 }
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], opts).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== ''
    cachedCode = `${base}+${commit}${dirty ? '-dirty' : ''}`
  } catch {
    cachedCode = base
  }
  return cachedCode
}

export function hostName(): string {
  return hostname()
}
