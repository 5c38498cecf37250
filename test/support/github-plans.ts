/** Plan values for the GitHub renderer tests: only the fields the renderers read are real. */
import type { MatrixEntry, Plan, PlannedSpec } from '../../src/core/plan.js'

export interface SpecRow {
  id: string
  wave: number
  container?: string
}

export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`
}

/** A plan in which every row rebuilds (`missing` reason), in the given waves and containers. */
export function planOf(rows: readonly SpecRow[], extra: Partial<Plan> = {}): Plan {
  const specs = rows.map(
    (r, i) =>
      ({
        id: r.id,
        package: r.id.split('@')[0]!,
        version: r.id.split('@')[1]?.split(' ')[0] ?? '1',
        compiler: null,
        os: null,
        digest: digestOf(i + 1),
        previousDigest: null,
        status: 'rebuild',
        reasons: [{ kind: 'missing', detail: 'not in the mirror' }],
        wave: r.wave,
        container: r.container ?? '',
        dependencies: [],
      }) as PlannedSpec,
  )
  const include = specs
    .map(
      (s) =>
        ({
          spec: s.id,
          package: s.package,
          version: s.version,
          compiler: '',
          os: '',
          container: s.container ?? '',
          digest: s.digest!,
          wave: s.wave!,
          lock: s.digest!,
        }) as MatrixEntry,
    )
    .sort((a, b) => a.wave - b.wave || (a.spec < b.spec ? -1 : 1))
  const waves = include.length === 0 ? 0 : Math.max(...include.map((m) => m.wave)) + 1
  return {
    schema: 'binary-check/plan@1',
    base: null,
    head: 'f'.repeat(40),
    reference: 'mirror',
    changedFiles: [],
    ignoredFiles: [],
    packages: [],
    specs,
    matrix: { include },
    unresolved: [],
    unreadable: [],
    notes: [],
    summary: {
      specs: specs.length,
      rebuild: specs.length,
      new: 0,
      upToDate: 0,
      removed: 0,
      external: 0,
      packagesChanged: 0,
      waves,
      byReason: specs.length > 0 ? { missing: specs.length } : {},
    } as Plan['summary'],
    ...extra,
  }
}

/** `count` specs `p<i>@1.0` spread over `waves` waves (round robin) and the given containers. */
export function widePlan(count: number, waves = 1, containers: readonly string[] = ['']): Plan {
  return planOf(
    Array.from({ length: count }, (_, i) => ({
      id: `p${String(i).padStart(5, '0')}@1.0`,
      wave: i % waves,
      container: containers[i % containers.length]!,
    })),
  )
}
