// Builds the native addon with cmake-js against node-api-headers (no download of Node headers).
// Extra CMake options pass through: `npm run build:native -- --CDMIMIC_NATIVE_ARCH=ON`. With options the
// build tree is configured afresh (`cmake-js build` would keep the cached values of an earlier configure),
// so `npm run build:native -- --CDMIMIC_NATIVE_ARCH=OFF` goes back to the default build.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js')

// A build tree whose configure stopped half way (e.g. Eigen was missing, then installed) has a
// CMakeCache.txt but no build files; `cmake-js build` skips the configure when it sees the cache and
// the generator then fails ("loading 'build.ninja'"), so every later `npm ci` failed the same way.
// Such a tree is configured afresh.
export function incompleteBuildTree(buildDir: string): boolean {
  if (!existsSync(join(buildDir, 'CMakeCache.txt'))) return false
  return !['build.ninja', 'Makefile'].some((f) => existsSync(join(buildDir, f)))
}

export function buildNative(
  extra: string[] = [],
  where: { source: string; build: string } = { source: join(root, 'native'), build: join(root, 'native', 'build') },
): number {
  const fresh = extra.length > 0 || incompleteBuildTree(where.build)
  const args = [cmakeJs, fresh ? 'rebuild' : 'build', '-d', where.source, '-O', where.build, '--log-level', 'warn', ...extra]
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root })
  if (r.status !== 0) {
    console.error(
      'mimic: building the native addon failed (the messages above say why): it needs cmake (>= 3.15), a C++17 compiler and Eigen 3 ' +
        '(apt-get install -y cmake g++ libeigen3-dev); then run `npm ci` (or `npm run build:native`) again.',
    )
    return r.status ?? 1
  }
  return 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(buildNative(process.argv.slice(2)))
}
