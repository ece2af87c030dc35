// `npm start`: the Electron workbench when its binary is installed; otherwise one line saying so
// (and how to fetch it) and the browser workbench instead, with its URL.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from '../src/services/electron-binary.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

if (!existsSync(join(root, 'out', 'main', 'index.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
  console.error('mimic: the app is not built yet: run `npm run build` (or `npm ci`, which builds it).')
  process.exit(1)
}

const electron = electronBinary(root)
if (electron.present && electron.path) {
  const child = spawn(electron.path, [root, ...args], { stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  console.error(`mimic: the Electron binary is not installed, so the browser workbench starts instead (${electron.hint}).`)
  const { main } = await import('../src/cli/main.ts')
  const code = await main(['serve', ...args], {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stderr.isTTY),
  })
  process.exit(code)
}
