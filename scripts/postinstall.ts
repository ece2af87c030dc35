// Runs after `npm ci` / `npm install`: builds the native addon, builds the renderer and the Electron
// bundles, and links the `mimic` command into node_modules/.bin so `npx mimic` works.
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildNative } from './build-native.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function linkBin(): void {
  const binDir = join(root, 'node_modules', '.bin')
  mkdirSync(binDir, { recursive: true })
  const link = join(binDir, 'mimic')
  try {
    if (lstatSync(link)) unlinkSync(link)
  } catch {
    // not there yet
  }
  symlinkSync(join('..', '..', 'bin', 'mimic.js'), link)
}

linkBin()
if (process.env.MIMIC_SKIP_NATIVE !== '1') {
  const code = buildNative()
  if (code !== 0) process.exit(code)
}
if (process.env.MIMIC_SKIP_BUILD !== '1' && existsSync(join(root, 'electron.vite.config.ts'))) {
  const vite = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const r = spawnSync(process.execPath, [vite, 'build'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error('mimic: building the renderer failed; see the messages above. `npm run build` retries.')
    process.exit(r.status ?? 1)
  }
}
