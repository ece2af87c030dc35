// Names, at the end of a run, every test that passed only on its second try (vitest.config.ts's
// `retry: 1`), so that timing-sensitive tests that are starved now and then stay visible.
import type { Reporter, TestCase } from 'vitest/node'

export default class RetriedReporter implements Reporter {
  private retried: string[] = []

  onTestCaseResult(test: TestCase): void {
    const d = test.diagnostic()
    if (d && d.retryCount > 0 && test.result().state === 'passed') this.retried.push(`${test.module.moduleId.replace(process.cwd() + '/', '')} > ${test.fullName}`)
  }

  onTestRunEnd(): void {
    if (this.retried.length === 0) return
    process.stdout.write(`\nPassed on the second try (${this.retried.length}):\n${this.retried.map((t) => `  ${t}\n`).join('')}`)
  }
}
