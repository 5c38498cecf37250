/**
 * Deadlines that hold on a busy machine (issue 10 §5). Tests that spawn processes, race writers
 * or wait on a registry take as long as the machine lets them: on a CI runner whose two cores also
 * run the corpus sweep, a 60 s test took 200 s. A fixed deadline either fails there or is so long
 * it hides a hang on an idle machine; these scale with the load instead.
 *
 * The load is measured once per test file, when this module is imported: the median time of three
 * `node -e ""` runs (a process start, what these tests do most) against what one takes on an idle
 * machine. `scaled(ms)` multiplies a deadline by that factor (1 to 10).
 *
 *   vi.setConfig({ testTimeout: scaled(60_000), hookTimeout: scaled(120_000) })
 */
import { spawnSync } from 'node:child_process'
import { vi } from 'vitest'

/** `node -e ""` on an idle machine (a 2-core CI runner, ~25 ms on the development VM). */
export const IDLE_SPAWN_MS = 40

function measureSpawnMs(): number {
  const times: number[] = []
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' })
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[1]!
}

/** The median `node -e ""` time, in ms, measured when this module was imported. */
export const SPAWN_MS = measureSpawnMs()

/** How much slower than idle the machine is now: 1 (idle or faster) to 10. */
export const LOAD_FACTOR = Math.min(10, Math.max(1, SPAWN_MS / IDLE_SPAWN_MS))

/** `ms` scaled by the load (never below `ms`). */
export function scaled(ms: number): number {
  return Math.ceil(ms * LOAD_FACTOR)
}

/**
 * Scaled vitest timeouts for the current file: `testMs` per test (default 60 s, vitest's global
 * one) and `hookMs` per hook (default 120 s); logs the factor when it is above 1.5.
 */
export function scaleTimeouts(file: string, testMs = 60_000, hookMs = 120_000): void {
  vi.setConfig({ testTimeout: scaled(testMs), hookTimeout: scaled(hookMs) })
  if (LOAD_FACTOR > 1.5)
    console.log(
      `${file}: node starts in ${SPAWN_MS.toFixed(0)} ms (idle ${IDLE_SPAWN_MS} ms): deadlines ×${LOAD_FACTOR.toFixed(1)}`,
    )
}
