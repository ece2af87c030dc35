// Whether the Electron binary is present, without loading or downloading it (requiring the
// electron package from plain Node would try to download the binary).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../system/version.ts'

export interface ElectronBinary {
  present: boolean
  path: string | null
  /** how to get it when it is missing */
  hint: string
}

export function electronBinary(root = repoRoot): ElectronBinary {
  const dir = join(root, 'node_modules', 'electron')
  const hint = 'fetch it with `npx install-electron` (needs internet access), then run `npm start` again'
  if (!existsSync(join(dir, 'package.json'))) return { present: false, path: null, hint: 'run `npm ci` first' }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const pathFile = join(dir, 'path.txt')
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (override) {
    const p = join(override, exe ?? 'electron')
    return { present: existsSync(p), path: p, hint }
  }
  if (!exe) return { present: false, path: null, hint }
  const p = join(dir, 'dist', exe)
  return { present: existsSync(p), path: p, hint }
}
