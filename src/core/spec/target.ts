/**
 * Target (microarchitecture) matching for `target=` constraints. Pure.
 *
 * Spack compares targets through archspec's microarchitecture DAG: `target=aarch64:` is aarch64 or
 * anything descending from it, `target=:haswell` haswell or an ancestor. We carry a small table
 * of well-known microarchitectures and their parents (best effort, from archspec). Where the table
 * cannot decide (a name it does not know), matching answers `true`: a spurious match costs a
 * rebuild, a missed one a wrong binary.
 */

/** name → parents (archspec `from`). Family roots have no parents. */
const PARENTS: Readonly<Record<string, readonly string[]>> = {
  // x86 (32 bit)
  x86: [],
  i686: ['x86'],
  pentium2: ['i686'],
  pentium3: ['pentium2'],
  pentium4: ['pentium3'],
  prescott: ['pentium4'],
  // x86_64
  x86_64: [],
  x86_64_v2: ['x86_64'],
  x86_64_v3: ['x86_64_v2'],
  x86_64_v4: ['x86_64_v3'],
  nocona: ['x86_64'],
  core2: ['nocona'],
  nehalem: ['core2', 'x86_64_v2'],
  westmere: ['nehalem'],
  sandybridge: ['westmere'],
  ivybridge: ['sandybridge'],
  haswell: ['ivybridge', 'x86_64_v3'],
  broadwell: ['haswell'],
  skylake: ['broadwell'],
  mic_knl: ['broadwell'],
  skylake_avx512: ['skylake', 'x86_64_v4'],
  cannonlake: ['skylake'],
  cascadelake: ['skylake_avx512'],
  icelake: ['cascadelake', 'cannonlake'],
  cooperlake: ['cascadelake'],
  sapphirerapids: ['icelake', 'cooperlake'],
  graniterapids: ['sapphirerapids'],
  alderlake: ['x86_64_v3'],
  arrowlake_s: ['x86_64_v3'],
  k10: ['x86_64'],
  bulldozer: ['x86_64_v2'],
  piledriver: ['bulldozer'],
  steamroller: ['piledriver'],
  excavator: ['steamroller', 'x86_64_v3'],
  zen: ['x86_64_v3'],
  zen2: ['zen'],
  zen3: ['zen2'],
  zen4: ['zen3', 'x86_64_v4'],
  zen5: ['zen4'],
  // aarch64
  aarch64: [],
  'armv8.1a': ['aarch64'],
  'armv8.2a': ['armv8.1a'],
  'armv8.3a': ['armv8.2a'],
  'armv8.4a': ['armv8.3a'],
  'armv8.5a': ['armv8.4a'],
  'armv9.0a': ['armv8.5a'],
  thunderx2: ['armv8.1a'],
  a64fx: ['armv8.2a'],
  cortex_a72: ['aarch64'],
  graviton: ['cortex_a72'],
  neoverse_n1: ['cortex_a72', 'armv8.2a'],
  graviton2: ['graviton', 'neoverse_n1'],
  neoverse_v1: ['neoverse_n1', 'armv8.4a'],
  graviton3: ['graviton2', 'neoverse_v1'],
  neoverse_v2: ['neoverse_v1', 'armv9.0a'],
  neoverse_n2: ['neoverse_n1', 'armv9.0a'],
  neoverse_v3ae: ['neoverse_v2'],
  graviton4: ['graviton3', 'neoverse_v2'],
  ampere1: ['armv8.2a'],
  ampere1a: ['ampere1'],
  m1: ['armv8.4a'],
  m2: ['m1', 'armv8.5a'],
  m3: ['m2'],
  m4: ['m3'],
  m5: ['m4'],
  // 32-bit arm
  arm: [],
  // power
  ppc64: [],
  power7: ['ppc64'],
  power8: ['power7'],
  power9: ['power8'],
  power10: ['power9'],
  ppc64le: [],
  power8le: ['ppc64le'],
  power9le: ['power8le'],
  power10le: ['power9le'],
  ppc: [],
  ppcle: [],
  // risc-v
  riscv64: [],
  u74mc: ['riscv64'],
  x60: ['riscv64'],
  // sparc
  sparc: [],
  sparc64: [],
}

/** Whether `name` is a family root (generic architecture such as `x86_64` or `aarch64`). */
export function isTargetFamily(name: string): boolean {
  const p = PARENTS[name]
  return p !== undefined && p.length === 0
}

/** The family root of a known target, undefined when the target is not in the table. */
export function targetFamily(name: string): string | undefined {
  let current = name
  for (let guard = 0; guard < 64; guard++) {
    const parents = PARENTS[current]
    if (parents === undefined) return undefined
    const first = parents[0]
    if (first === undefined) return current
    current = first
  }
  return undefined
}

/**
 * Whether `descendant` is `ancestor` or descends from it; `undefined` when the table cannot
 * tell (either name unknown).
 */
function descendsFrom(descendant: string, ancestor: string): boolean | undefined {
  if (descendant === ancestor) return true
  if (PARENTS[descendant] === undefined || PARENTS[ancestor] === undefined) return undefined
  const seen = new Set<string>()
  const stack = [descendant]
  while (stack.length > 0) {
    const n = stack.pop() as string
    if (n === ancestor) return true
    if (seen.has(n)) continue
    seen.add(n)
    for (const p of PARENTS[n] ?? []) stack.push(p)
  }
  return false
}

function itemMatches(target: string, item: string): boolean {
  const colon = item.indexOf(':')
  if (colon < 0) {
    if (target === item) return true
    // A family name also matches its members (`target=x86_64` for an `x86_64_v3` build).
    return isTargetFamily(item) && targetFamily(target) === item
  }
  const lo = item.slice(0, colon)
  const hi = item.slice(colon + 1)
  if (lo !== '' && descendsFrom(target, lo) === false) return false
  if (hi !== '' && descendsFrom(hi, target) === false) return false
  return true
}

/**
 * Whether a concrete target satisfies a `target=` value: a comma list of names and ranges
 * (`x86_64_v3`, `aarch64:`, `:haswell`, `zen2:zen4`).
 */
export function targetSatisfies(target: string, constraint: string): boolean {
  for (const item of constraint.split(',')) {
    if (item !== '' && itemMatches(target, item)) return true
  }
  return false
}
