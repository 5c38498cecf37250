/** The GitHub Actions matrix output, every value checked against the safe character set. */
import type { MatrixEntry, Plan } from '../core/plan.js'
import { quote } from '../core/errors.js'
import { assertSafeValue } from './safe-values.js'

export function safeMatrix(plan: Plan): { include: MatrixEntry[] } {
  for (const m of plan.matrix.include) {
    const where = `matrix entry ${quote(m.spec)}`
    for (const key of [
      'spec',
      'package',
      'version',
      'compiler',
      'os',
      'container',
      'digest',
      'lock',
    ] as const)
      assertSafeValue(m[key], `${where} field ${key}`)
    for (const key of ['spackHash', 'newSpackHash'] as const)
      if (m[key] !== undefined) assertSafeValue(m[key], `${where} field ${key}`)
  }
  return plan.matrix
}
