/**
 * The domain model (ARCHITECTURE §2): packages with their directives, concrete specs, and the
 * digest input records. Pure values, no I/O.
 */
import type { Digest, DigestAlgorithm } from './canonical-encode.js'

export type DepType = 'build' | 'link' | 'run' | 'test'
export const ALL_DEPTYPES: readonly DepType[] = ['build', 'link', 'run', 'test']
export const DEFAULT_DEPTYPES: readonly DepType[] = ['build', 'link', 'run']

export type Ecosystem = 'spack' | 'manifest' | 'fromager'

/** Where a directive or a piece of code sits, for messages and annotations. */
export interface SourcePlace {
  file: string
  line: number
}

export interface VersionDirective {
  version: string
  /** sha256 / md5 / … the source checksum, as written. */
  checksum?: string
  url?: string
  commit?: string
  tag?: string
  branch?: string
  /** Every other keyword argument (submodules=True, expand=False, …) as canonical strings. */
  extra?: Record<string, string>
  deprecated: boolean
  preferred: boolean
  place?: SourcePlace
}

export interface VariantDirective {
  name: string
  /** Default value as a string (`true`/`false` for boolean variants; comma list for multi). */
  default: string
  values?: string[]
  multi?: boolean
  when?: string
  place?: SourcePlace
}

export interface DependencyDirective {
  /** Dependency package (or virtual) name: the first name in `spec`. */
  name: string
  /** The constraint string given to depends_on / extends. */
  spec: string
  types: DepType[]
  when?: string
  place?: SourcePlace
}

export interface PatchDirective {
  /** Patch file path relative to the package directory, or undefined for a url patch. */
  file?: string
  url?: string
  sha256?: string
  /** Content hash of the patch file (git blob id) when `file` is set and present. */
  contentHash?: string
  when?: string
  level?: number
  /** Other keyword arguments, canonical strings. */
  extra?: Record<string, string>
  place?: SourcePlace
}

export interface ResourceDirective {
  /** All keyword arguments as canonical strings (name, url, sha256, git, tag, destination …). */
  fields: Record<string, string>
  when?: string
  place?: SourcePlace
}

export interface ProvidesDirective {
  /** Virtual spec strings provided. */
  specs: string[]
  when?: string
}

export interface ConstraintDirective {
  spec: string
  when?: string
  msg?: string
}

/**
 * A piece of build code that applies only under a condition: a `@when("@1.2:")` method or the
 * non-directive statements in a `with when("+cuda"):` block. Its canonical text is hashed into the
 * spec digest only of specs that satisfy `when`.
 */
export interface ConditionalCode {
  when: string
  /** A label for explanations: `method cmake_args`, `with when("+cuda") at line 40`. */
  label: string
  digest: Digest
  place?: SourcePlace
}

/**
 * Conditional code whose label starts with this is a whole repository file (a build-system module
 * that counts only for some build systems): `module <path> (<condition>)`.
 */
export const MODULE_CODE_LABEL = 'module '

/** The repository file a conditional-code label names, if it names one. */
export function moduleCodePath(label: string): string | undefined {
  if (!label.startsWith(MODULE_CODE_LABEL)) return undefined
  const rest = label.slice(MODULE_CODE_LABEL.length)
  const cut = rest.lastIndexOf(' (')
  return cut < 0 ? rest : rest.slice(0, cut)
}

/** Something that could not be resolved statically and was kept as code (conservative). */
export interface UnresolvedItem {
  package: string
  place: SourcePlace
  reason: string
}

/**
 * An input file (recipe or module) that does not parse: its digest comes from its raw bytes, so any
 * edit rebuilds what uses it. Unchanged in the range it is a warning; changed, an error.
 */
export interface UnreadableInput {
  /** Repo path of the file. */
  path: string
  /** `file:line` of the first syntax error. */
  place: string
  message: string
}

/** What goes into a package digest (one named field per input; stored in index entries). */
export interface PackageDigestInputs {
  algorithm: DigestAlgorithm
  ecosystem: Ecosystem
  /** Digest of the canonical recipe text (Spack: package.py minus comments, docs, directives). */
  recipe: Digest
  /** Canonical digests of in-repository base classes / modules the recipe uses, by repo path. */
  bases: Record<string, Digest>
  /** Other input files by path relative to the package (manifest inputs, settings …): blob ids. */
  files: Record<string, string>
}

/** The directives of a recipe (what a package declares, each with its `when`). */
export interface PackageDirectives {
  versions: VersionDirective[]
  variants: VariantDirective[]
  dependencies: DependencyDirective[]
  patches: PatchDirective[]
  resources: ResourceDirective[]
  provides: ProvidesDirective[]
  conflicts: ConstraintDirective[]
  requires: ConstraintDirective[]
}

export interface Package extends PackageDirectives {
  name: string
  ecosystem: Ecosystem
  /** Repo-relative path of the recipe file (or manifest entry). */
  recipePath: string
  /** Repo-relative directory of the package (patch files are relative to it). */
  directory: string
  digestInputs: PackageDigestInputs
  conditionalCode: ConditionalCode[]
  unresolved: UnresolvedItem[]
  /** Its recipe or a module it builds on does not parse (digested as raw bytes). */
  unreadable?: UnreadableInput[]
  /** Repo paths of files in the package directory that no directive uses. */
  ignoredFiles: string[]
  /** Repo paths whose change changes this package's digest (recipe, bases, input files). */
  inputPaths: string[]
}

/** What the plan needs of a package once it is digested (no directives). */
export type PackageSummary = Pick<
  Package,
  | 'name'
  | 'ecosystem'
  | 'recipePath'
  | 'directory'
  | 'digestInputs'
  | 'unresolved'
  | 'unreadable'
  | 'inputPaths'
>

export interface Compiler {
  name: string
  version?: string
}

/** A concrete dependency edge of a spec. */
export interface SpecEdge {
  /** The id of the dependency spec. */
  id: string
  /** The dependency's package name. */
  name: string
  types: DepType[]
  /** Virtuals this edge satisfies (mpi, zlib-api …). */
  virtuals?: string[]
}

/** One concrete build: package × version × variants × compiler × os (+ concrete deps). */
export interface ConcreteSpec {
  /** Unique, human-readable id (e.g. `zlib@1.3.1+shared%gcc@13 os=ubuntu24.04`). */
  id: string
  package: string
  version: string
  /** Variant values as strings (`true`/`false` for booleans). */
  variants: Record<string, string>
  compiler?: Compiler
  os?: string
  target?: string
  platform?: string
  /** Other parameters that shape the build (from lockfiles: cflags, build_system, …). */
  parameters: Record<string, string>
  dependencies: SpecEdge[]
  /** External (not built, provided by the system): never rebuilt, still digested. */
  external?: Record<string, string>
  /** Patches applied according to the lockfile (patch sha256 list), when known. */
  lockedPatches?: string[]
  /** Where the spec came from: `lockfile:<hash>`, `config`, `default`. */
  origin: string
  /** Resolved specs only: reuse could not keep the version it had before (not digested). */
  moved?: VersionMove
  /** Resolved specs only: its version is deprecated (asked for by name; not digested). */
  deprecated?: true
}

/** `concretizer.reuse`: the version a spec kept before, and why it could not keep it. */
export interface VersionMove {
  /** The version reused before: the base commit's choice, or one the mirror holds. */
  from: string
  why: 'deprecated' | 'removed'
  source: 'base' | 'mirror'
}

export interface SpecDigestInputs {
  algorithm: DigestAlgorithm
  package: string
  packageDigest: Digest
  source: {
    version: string
    checksum?: string
    url?: string
    commit?: string
    tag?: string
    branch?: string
    extra?: Record<string, string>
  }
  /** Only those whose `when` matches this spec: key = file path or url, value = content digest. */
  patches: Record<string, string>
  resources: Record<string, Digest>
  /** `@when` methods / `with when()` code blocks that apply, label → digest. */
  code: Record<string, Digest>
  /** Variants, compiler, os, target, platform, other parameters. */
  parameters: Record<string, string>
  envSignature: Digest
  /**
   * The edges over the propagating deptypes, by dependency spec id. For the members of a
   * dependency cycle, `cycle of N` stands for the cycle (its component digest, no types).
   */
  dependencies: Record<string, DependencyInput>
}

/**
 * One dependency edge as a spec digest folds it (ARCHITECTURE §3): all the edge's deptypes (also
 * those that do not propagate), the virtuals it satisfies, and the dependency's spec digest.
 */
export interface DependencyInput {
  /** The dependency's spec digest (for `cycle of N`: the cycle's component digest). */
  digest: Digest
  /** Every deptype of the edge, sorted; empty for `cycle of N`. */
  types: DepType[]
  /** The virtuals the edge satisfies, sorted; absent when none. */
  virtuals?: string[]
}
