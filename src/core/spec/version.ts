/**
 * Spack version ordering and version constraints (ranges and lists of ranges). Pure.
 *
 * Ordering follows Spack's `StandardVersion`: a version is split into segments of digits or
 * letters (separators `.`, `-`, `_` and digit/letter transitions only split); segments compare
 * pairwise, numbers numerically; a number is newer than a word; the infinity words
 * `stable < nightly < trunk < head < master < main < develop` are newer than any number; a prefix
 * is older (`1.2 < 1.2.0 < 1.2.3`); a trailing `alpha`/`beta`/`rc` (with an optional number) marks
 * a prerelease, older than the release (`1.2rc1 < 1.2`). Git versions (`git.<ref>=<version>`,
 * `<sha>=<version>`) order by the version they are assigned.
 *
 * A range `lo:hi` contains `v` when `lo <= v < next(hi)`, where `next(hi)` bumps the last segment
 * of `hi` (so `:1.4` contains `1.4.9` but not `1.5`, and `@1.2` is the range `1.2:1.2`, covering
 * every `1.2.x`). `=1.2` is exactly 1.2.
 */
import { UserError } from '../errors.js'

/** One element of a version constraint. */
export interface VersionRange {
  /** Lower bound (inclusive); undefined = unbounded. For `exact`, the version itself. */
  lo?: string
  /** Upper bound (inclusive of every `hi.x`); undefined = unbounded. */
  hi?: string
  /** `@=1.2`: exactly this version, not `1.2.x`. Also set for git versions (`@git.ref=1.2`). */
  exact?: boolean
}

/** A union of ranges (`@1.2,1.4:1.6`). */
export type VersionConstraint = VersionRange[]

/** Infinity versions, oldest first (Spack's `infinity_versions`). */
export const INFINITY_VERSIONS: readonly string[] = [
  'stable',
  'nightly',
  'trunk',
  'head',
  'master',
  'main',
  'develop',
]

const ALPHA = 0
const BETA = 1
const RC = 2
const FINAL = 3
const PRERELEASE: Readonly<Record<string, number>> = {
  alpha: ALPHA,
  beta: BETA,
  rc: RC,
  final: FINAL,
}

/** An infinity segment: compares above every number, by index among infinity words. */
interface InfinitySegment {
  readonly inf: number
}
/** number / bigint: numeric segment; string: word segment. */
type Segment = number | bigint | string | InfinitySegment

interface StandardParsed {
  readonly release: readonly Segment[]
  readonly pre: readonly number[]
}

interface ParsedVersion extends StandardParsed {
  /** Present for git versions: the ref, and whether a version was assigned (`release`/`pre`). */
  readonly gitRef?: string
  readonly gitAssigned?: boolean
}

const INFINITY_INDEX: ReadonlyMap<string, number> = new Map(INFINITY_VERSIONS.map((w, i) => [w, i]))
const INF_SEGMENTS: InfinitySegment[] = []
function infinitySegment(i: number): InfinitySegment {
  let s = INF_SEGMENTS[i]
  if (!s) {
    s = Object.freeze({ inf: i })
    INF_SEGMENTS[i] = s
  }
  return s
}

function segmentKind(s: Segment): number {
  switch (typeof s) {
    case 'string':
      return 0
    case 'object':
      return 2
    default:
      return 1
  }
}

function compareSegments(a: Segment, b: Segment): number {
  const ka = segmentKind(a)
  const kb = segmentKind(b)
  if (ka !== kb) return ka < kb ? -1 : 1
  if (ka === 2) {
    const ia = (a as InfinitySegment).inf
    const ib = (b as InfinitySegment).inf
    return ia < ib ? -1 : ia > ib ? 1 : 0
  }
  // numbers, bigints (mixed comparisons are exact in JS) and strings (code unit order)
  return a < b ? -1 : a > b ? 1 : 0
}

function compareNumberLists(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

function compareStandard(a: StandardParsed, b: StandardParsed): number {
  const ra = a.release
  const rb = b.release
  const n = Math.min(ra.length, rb.length)
  for (let i = 0; i < n; i++) {
    const c = compareSegments(ra[i] as Segment, rb[i] as Segment)
    if (c !== 0) return c
  }
  if (ra.length !== rb.length) return ra.length < rb.length ? -1 : 1
  return compareNumberLists(a.pre, b.pre)
}

function isCharDigit(c: number): boolean {
  return c >= 48 && c <= 57
}
function isCharLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

function parseNumber(digits: string): number | bigint {
  return digits.length <= 15 ? Number(digits) : BigInt(digits)
}

/** Splits a standard version into segments (other characters only separate) and prerelease. */
function parseStandard(text: string): StandardParsed {
  const words: (string | null)[] = []
  const segments: Segment[] = []
  const s = text.trim()
  let i = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (isCharDigit(c)) {
      let j = i + 1
      while (j < s.length && isCharDigit(s.charCodeAt(j))) j++
      segments.push(parseNumber(s.slice(i, j)))
      words.push(null)
      i = j
    } else if (isCharLetter(c)) {
      let j = i + 1
      while (j < s.length && isCharLetter(s.charCodeAt(j))) j++
      const word = s.slice(i, j)
      const inf = INFINITY_INDEX.get(word)
      segments.push(inf === undefined ? word : infinitySegment(inf))
      words.push(word)
      i = j
    } else {
      i++
    }
  }
  const n = segments.length
  const beforeLast = n >= 2 ? words[n - 2] : null
  const last = n >= 1 ? words[n - 1] : null
  if (n >= 3 && beforeLast != null && beforeLast in PRERELEASE && last === null) {
    const num = segments[n - 1] as number | bigint
    return {
      release: segments.slice(0, n - 2),
      pre: [PRERELEASE[beforeLast] as number, Number(num)],
    }
  }
  if (n >= 2 && last != null && last in PRERELEASE) {
    return { release: segments.slice(0, n - 1), pre: [PRERELEASE[last] as number] }
  }
  return { release: segments, pre: [FINAL] }
}

const HEX40 = /^[0-9a-fA-F]{40}$/

/** Spack's `is_git_version`: `git.` prefix, a 40-hex commit, or an `=` after the first char. */
export function isGitVersion(text: string): boolean {
  return text.startsWith('git.') || text.indexOf('=', 1) > 0 || HEX40.test(text)
}

const NO_RELEASE: StandardParsed = { release: [], pre: [FINAL] }

function parseUncached(text: string): ParsedVersion {
  if (!isGitVersion(text)) return parseStandard(text)
  const body = text.startsWith('git.') ? text.slice(4) : text
  const eq = body.indexOf('=')
  if (eq < 0) return { ...NO_RELEASE, gitRef: body, gitAssigned: false }
  const assigned = body.slice(eq + 1)
  // A ref constrained to a range (`git.x=1.2:1.4`) has no single version: it sorts as unassigned.
  if (assigned.includes(':'))
    return { ...NO_RELEASE, gitRef: body.slice(0, eq), gitAssigned: false }
  return { ...parseStandard(assigned), gitRef: body.slice(0, eq), gitAssigned: true }
}

const CACHE_LIMIT = 200_000
const parsedCache = new Map<string, ParsedVersion>()
const nextCache = new Map<string, StandardParsed>()

function parsed(text: string): ParsedVersion {
  let p = parsedCache.get(text)
  if (p === undefined) {
    if (parsedCache.size >= CACHE_LIMIT) parsedCache.clear()
    p = parseUncached(text)
    parsedCache.set(text, p)
  }
  return p
}

function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  const ga = a.gitRef !== undefined
  const gb = b.gitRef !== undefined
  if (!ga && !gb) return compareStandard(a, b)
  if (ga && gb) {
    // Unassigned refs sort after everything, among themselves by ref.
    if (!a.gitAssigned || !b.gitAssigned) {
      if (a.gitAssigned) return -1
      if (b.gitAssigned) return 1
      return compareRefs(a.gitRef as string, b.gitRef as string)
    }
    const c = compareStandard(a, b)
    return c !== 0 ? c : compareRefs(a.gitRef as string, b.gitRef as string)
  }
  // git vs standard: never equal; an unassigned ref is newest; else by the assigned version.
  const git = ga ? a : b
  const std = ga ? b : a
  const gitVsStd = !git.gitAssigned ? 1 : compareStandard(git, std) < 0 ? -1 : 1
  return ga ? gitVsStd : -gitVsStd
}

function compareRefs(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Compares two versions with Spack semantics: negative when `a` is older, positive when newer,
 * 0 when equal (`1.2` equals `1-2`: separators do not count).
 */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0
  return compareParsed(parsed(a), parsed(b))
}

/** The newest version of a list (the first one among equals), undefined for an empty list. */
export function maxVersion(list: readonly string[]): string | undefined {
  let best: string | undefined
  for (const v of list) {
    if (best === undefined || compareVersions(v, best) > 0) best = v
  }
  return best
}

/** True when a version has an infinity segment (`develop`, `main`, `master-2` …). */
export function isDevelopVersion(v: string): boolean {
  return parsed(v).release.some((s) => typeof s === 'object')
}

function nextWord(s: string): string {
  let out = s
  do {
    if (out.length === 0 || out.endsWith('z')) out += 'A'
    else {
      const last = out.charCodeAt(out.length - 1)
      out = out.slice(0, -1) + (last === 90 /* Z */ ? 'a' : String.fromCharCode(last + 1))
    }
  } while (INFINITY_INDEX.has(out))
  return out
}

/** The smallest version above every `v.x` (Spack's `_next_version`). */
function nextVersion(v: StandardParsed): StandardParsed {
  if (v.pre[0] !== FINAL) {
    const n = v.pre.length > 1 ? (v.pre[1] as number) + 1 : 0
    return { release: v.release, pre: [v.pre[0] as number, n] }
  }
  if (v.release.length === 0) return { release: ['A'], pre: v.pre }
  const last = v.release[v.release.length - 1] as Segment
  let bumped: Segment
  if (typeof last === 'string') bumped = nextWord(last)
  else if (typeof last === 'object') bumped = infinitySegment(last.inf + 1)
  else if (typeof last === 'bigint') bumped = last + 1n
  else bumped = last + 1 > Number.MAX_SAFE_INTEGER ? BigInt(last) + 1n : last + 1
  return { release: [...v.release.slice(0, -1), bumped], pre: v.pre }
}

function upperLimit(hi: string): StandardParsed {
  let p = nextCache.get(hi)
  if (p === undefined) {
    if (nextCache.size >= CACHE_LIMIT) nextCache.clear()
    p = nextVersion(parsed(hi))
    nextCache.set(hi, p)
  }
  return p
}

function inStandardRange(v: StandardParsed, r: VersionRange): boolean {
  if (r.lo !== undefined && compareStandard(v, parsed(r.lo)) < 0) return false
  if (r.hi !== undefined && compareStandard(v, upperLimit(r.hi)) >= 0) return false
  return true
}

function gitParts(text: string): { ref: string; assigned?: string } {
  const body = text.startsWith('git.') ? text.slice(4) : text
  const eq = body.indexOf('=')
  return eq < 0 ? { ref: body } : { ref: body.slice(0, eq), assigned: body.slice(eq + 1) }
}

function gitSatisfies(v: string, constraint: string): boolean {
  if (!isGitVersion(v)) return false
  const a = gitParts(v)
  const b = gitParts(constraint)
  if (a.ref !== b.ref) return false
  if (b.assigned === undefined) return true
  if (a.assigned === undefined) return false
  if (a.assigned === b.assigned) return true
  if (b.assigned.includes(':') || a.assigned.includes(':')) {
    if (a.assigned.includes(':')) return false
    return versionSatisfies(a.assigned, parseVersionConstraint(b.assigned))
  }
  return compareVersions(a.assigned, b.assigned) === 0
}

function rangeSatisfied(v: string, pv: ParsedVersion, r: VersionRange): boolean {
  if (r.exact) {
    if (r.lo === undefined) return false
    if (isGitVersion(r.lo)) return gitSatisfies(v, r.lo)
    return pv.gitRef === undefined && compareStandard(pv, parsed(r.lo)) === 0
  }
  if (pv.gitRef !== undefined) {
    // A ref with no assigned version satisfies only the unbounded range.
    if (!pv.gitAssigned) return r.lo === undefined && r.hi === undefined
  }
  return inStandardRange(pv, r)
}

/** Whether concrete version `v` lies in the constraint (any of its ranges). */
export function versionSatisfies(v: string, c: VersionConstraint): boolean {
  const pv = parsed(v)
  for (const r of c) {
    if (rangeSatisfied(v, pv, r)) return true
  }
  return false
}

/** Whether a range `lo:hi` is non-empty, i.e. `lo < next(hi)`. */
function rangeNonEmpty(lo: string, hi: string): boolean {
  return compareStandard(parsed(lo), upperLimit(hi)) < 0
}

export const VERSION_TEXT = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/
export const GIT_VERSION_TEXT =
  /^(?:git\.[A-Za-z0-9_][A-Za-z0-9_./-]*|[0-9a-fA-F]{40})(?:=[A-Za-z0-9_.:-]+)?$/

function versionError(text: string, where: string | undefined, what: string): UserError {
  return new UserError('spec-syntax', where ?? '', `invalid version constraint "${text}": ${what}`)
}

function parseItem(text: string, item: string, where: string | undefined): VersionRange {
  if (item === '') throw versionError(text, where, 'empty version in list')
  if (item.startsWith('=')) {
    const v = item.slice(1)
    if (isGitVersion(v)) {
      if (!GIT_VERSION_TEXT.test(v)) throw versionError(text, where, `bad git version "${v}"`)
    } else if (!VERSION_TEXT.test(v)) {
      throw versionError(text, where, `bad version "${v}"`)
    }
    return { lo: v, hi: v, exact: true }
  }
  if (isGitVersion(item)) {
    if (!GIT_VERSION_TEXT.test(item)) throw versionError(text, where, `bad git version "${item}"`)
    return { lo: item, hi: item, exact: true }
  }
  const colon = item.indexOf(':')
  if (colon < 0) {
    if (!VERSION_TEXT.test(item)) throw versionError(text, where, `bad version "${item}"`)
    return { lo: item, hi: item }
  }
  if (item.indexOf(':', colon + 1) >= 0) throw versionError(text, where, `bad range "${item}"`)
  const lo = item.slice(0, colon)
  const hi = item.slice(colon + 1)
  for (const v of [lo, hi]) {
    if (v !== '' && !VERSION_TEXT.test(v)) throw versionError(text, where, `bad version "${v}"`)
  }
  if (lo !== '' && hi !== '' && !rangeNonEmpty(lo, hi)) {
    throw versionError(text, where, `empty range "${item}"`)
  }
  const r: VersionRange = {}
  if (lo !== '') r.lo = lo
  if (hi !== '') r.hi = hi
  return r
}

function compareBound(a: string | undefined, b: string | undefined, missing: number): number {
  if (a === undefined || b === undefined) {
    if (a === b) return 0
    return a === undefined ? missing : -missing
  }
  const c = compareVersions(a, b)
  return c !== 0 ? c : a < b ? -1 : a > b ? 1 : 0
}

/** Canonical order of ranges: by lower bound (unbounded first), then upper (unbounded last). */
export function compareVersionRanges(a: VersionRange, b: VersionRange): number {
  const lo = compareBound(a.lo, b.lo, -1)
  if (lo !== 0) return lo
  const hi = compareBound(a.hi, b.hi, 1)
  if (hi !== 0) return hi
  return (a.exact ? 1 : 0) - (b.exact ? 1 : 0)
}

/**
 * Parses `1.2`, `1.2:`, `:1.4`, `1.2:1.4`, `=1.2`, `:`, `git.ref=1.2` and comma lists of those
 * (whitespace around commas is allowed). The result is sorted and free of duplicates.
 */
export function parseVersionConstraint(text: string, where?: string): VersionConstraint {
  const items = text.split(',')
  const out: VersionRange[] = []
  for (const raw of items) {
    out.push(parseItem(text, raw.trim(), where))
  }
  out.sort(compareVersionRanges)
  return out.filter((r, i) => i === 0 || compareVersionRanges(r, out[i - 1] as VersionRange) !== 0)
}

/** Text of one range: `=1.2`, `1.2`, `1.2:1.4`, `1.2:`, `:1.4`, `:`. */
export function formatVersionRange(r: VersionRange): string {
  if (r.exact) {
    const v = r.lo ?? ''
    return isGitVersion(v) ? v : `=${v}`
  }
  if (r.lo !== undefined && r.lo === r.hi) return r.lo
  return `${r.lo ?? ''}:${r.hi ?? ''}`
}

/** Text of a constraint, ranges joined by `,` in canonical order. */
export function formatVersionConstraint(c: VersionConstraint): string {
  return [...c].sort(compareVersionRanges).map(formatVersionRange).join(',')
}

function intersectRanges(a: VersionRange, b: VersionRange): VersionRange | undefined {
  if (a.exact || b.exact) {
    if (a.exact && b.exact) {
      const x = a.lo ?? ''
      const y = b.lo ?? ''
      if (isGitVersion(x) || isGitVersion(y)) return x === y ? a : undefined
      return compareVersions(x, y) === 0 ? a : undefined
    }
    const exact = a.exact ? a : b
    const range = a.exact ? b : a
    return versionSatisfies(exact.lo ?? '', [range]) ? exact : undefined
  }
  let lo = a.lo
  if (b.lo !== undefined && (lo === undefined || compareVersions(b.lo, lo) > 0)) lo = b.lo
  let hi = a.hi
  if (b.hi !== undefined) {
    if (hi === undefined || compareStandard(upperLimit(b.hi), upperLimit(hi)) < 0) hi = b.hi
  }
  if (lo !== undefined && hi !== undefined && !rangeNonEmpty(lo, hi)) return undefined
  const r: VersionRange = {}
  if (lo !== undefined) r.lo = lo
  if (hi !== undefined) r.hi = hi
  return r
}

/**
 * The versions in both constraints (`@1.2: @:1.4` → `1.2:1.4`). An empty list when they are
 * disjoint: such a constraint is met by no version.
 */
export function intersectVersionConstraints(
  a: VersionConstraint,
  b: VersionConstraint,
): VersionConstraint {
  const out: VersionRange[] = []
  for (const x of a) {
    for (const y of b) {
      const r = intersectRanges(x, y)
      if (r !== undefined) out.push(r)
    }
  }
  out.sort(compareVersionRanges)
  return out.filter((r, i) => i === 0 || compareVersionRanges(r, out[i - 1] as VersionRange) !== 0)
}
