import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-core CI machine, where
    // the two halves of the real-history sweep (corpus-sweep-1/2) are meant to run side by side.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
