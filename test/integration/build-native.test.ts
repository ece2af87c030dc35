// `npm ci` after a failed first configure: a user without Eigen runs `npm ci`, the configure stops half
// way, they install Eigen and run `npm ci` again. The second build must configure afresh and succeed
// (it used to fail on the half-made tree, "loading 'build.ninja'", on every later try). Real cmake and
// cmake-js on a tiny project whose configure fails until a marker file ("Eigen") exists.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildNative, incompleteBuildTree } from '../../scripts/build-native.ts'

const dir = mkdtempSync(join(tmpdir(), 'mimic-build-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('building the addon after a failed configure', () => {
  it('configures afresh once what was missing is installed', () => {
    const source = join(dir, 'src')
    const build = join(dir, 'build')
    const marker = join(dir, 'eigen-installed')
    rmSync(source, { recursive: true, force: true })
    mkdirSync(source)
    writeFileSync(
      join(source, 'CMakeLists.txt'),
      [
        'cmake_minimum_required(VERSION 3.15)',
        'project(probe NONE)',
        `if(NOT EXISTS "${marker}")`,
        '  message(FATAL_ERROR "Eigen 3 was not found")',
        'endif()',
        'add_custom_target(probe ALL COMMAND ${CMAKE_COMMAND} -E echo built)',
        '',
      ].join('\n'),
    )
    expect(buildNative([], { source, build })).not.toBe(0)
    expect(incompleteBuildTree(build)).toBe(true)
    writeFileSync(marker, '')
    expect(buildNative([], { source, build })).toBe(0)
    expect(incompleteBuildTree(build)).toBe(false)
    // and an ordinary second build keeps the configured tree
    expect(buildNative([], { source, build })).toBe(0)
  }, 120_000)
})
