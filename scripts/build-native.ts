// Builds the native addon with cmake-js against node-api-headers (no download of Node headers).
// Extra CMake options pass through: `npm run build:native -- --CDMIMIC_NATIVE_ARCH=ON`. With options the
// build tree is configured afresh (`cmake-js build` would keep the cached values of an earlier configure),
// so `npm run build:native -- --CDMIMIC_NATIVE_ARCH=OFF` goes back to the default build.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js')

export function buildNative(extra: string[] = []): number {
  const args = [cmakeJs, extra.length ? 'rebuild' : 'build', '-d', join(root, 'native'), '-O', join(root, 'native', 'build'), '--log-level', 'warn', ...extra]
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root })
  if (r.status !== 0) {
    console.error('mimic: building the native addon failed: it needs cmake (>= 3.15) and a C++17 compiler (apt-get install -y cmake g++).')
    return r.status ?? 1
  }
  return 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(buildNative(process.argv.slice(2)))
}
