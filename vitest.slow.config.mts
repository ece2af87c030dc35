import { defineConfig } from 'vitest/config'

// Full-size reproductions (minutes each): `npm run test:slow`. Not part of `npm test`.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/slow/**/*.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
})
