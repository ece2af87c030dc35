// Names, at the end of a run, every test that passed only on its second try (vitest.config.ts's
// `retry: 1`), with what failed on its first, so that timing-sensitive tests that are starved now and
// then stay visible and can be mended from a CI log alone.
import type { Reporter, TestCase } from 'vitest/node'

/** The first lines of an error, indented: enough to tell one failure from another. */
function excerpt(message: string, lines = 6): string {
  const shown = message.split('\n').slice(0, lines)
  return shown.map((l) => `      ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`).join('\n')
}

export default class RetriedReporter implements Reporter {
  private retried: string[] = []

  onTestCaseResult(test: TestCase): void {
    const d = test.diagnostic()
    const result = test.result()
    if (!d || d.retryCount === 0 || result.state !== 'passed') return
    const name = `${test.module.moduleId.replace(process.cwd() + '/', '')} > ${test.fullName}`
    const first = result.errors?.[0]
    this.retried.push(first ? `${name}\n    first try: ${first.name ?? 'Error'}\n${excerpt(first.message ?? String(first))}` : name)
  }

  onTestRunEnd(): void {
    if (this.retried.length === 0) return
    process.stdout.write(`\nPassed on the second try (${this.retried.length}):\n${this.retried.map((t) => `  ${t}\n`).join('')}`)
  }
}
