/**
 * Directive values: from a directive's evaluated literal arguments to the model's records
 * (core/model.ts). A value of the wrong type makes the directive unresolvable (kept as code); a
 * dependency type outside build/link/run/test too: Spack would reject it, the plan goes on.
 */
import type {
  ConstraintDirective,
  DependencyDirective,
  DepType,
  PatchDirective,
  ProvidesDirective,
  ResourceDirective,
  SourcePlace,
  VariantDirective,
  VersionDirective,
} from '../../../core/model.js'
import { ALL_DEPTYPES, type PackageDirectives } from '../../../core/model.js'
import { fieldString, truthy, type PyValue } from './literals.js'
import { packageNameProblem, versionProblem } from '../../../core/names.js'
import { escapeInvisible, quote, UserError } from '../../../core/errors.js'
import { parseSpecConstraintCached } from '../../../core/spec/constraint.js'

export type Directives = PackageDirectives

export function emptyDirectives(): Directives {
  return {
    versions: [],
    variants: [],
    dependencies: [],
    patches: [],
    resources: [],
    provides: [],
    conflicts: [],
    requires: [],
  }
}

export function appendDirectives(into: Directives, from: Directives): void {
  into.versions.push(...from.versions)
  into.variants.push(...from.variants)
  into.dependencies.push(...from.dependencies)
  into.patches.push(...from.patches)
  into.resources.push(...from.resources)
  into.provides.push(...from.provides)
  into.conflicts.push(...from.conflicts)
  into.requires.push(...from.requires)
}

/** A directive call with literal arguments, ready to become a record. */
export interface DirectiveCall {
  name: string
  values: Map<string, PyValue>
  rest: PyValue[]
  /** Conditions of the enclosing `with when()` blocks, outermost first. */
  whens: readonly string[]
  place: SourcePlace
}

/** Why a call could not become a record (it then stays in the recipe as code). */
export class NotRepresentable {
  constructor(readonly reason: string) {}
}

const CHECKSUM_KEYS = ['checksum', 'sha256', 'sha512', 'sha384', 'sha224', 'sha1', 'md5'] as const
const URL_PATTERN = /^(https?|ftp|file):\/\//i

/** Add the record for `call` to `into`, or return why it cannot be represented. */
export function recordDirective(
  call: DirectiveCall,
  into: Directives,
): NotRepresentable | undefined {
  const a = new ArgReader(call)
  try {
    switch (call.name) {
      case 'version':
        into.versions.push(versionOf(a, call.place))
        break
      case 'variant':
        into.variants.push(variantOf(a, call.place))
        break
      case 'build_system':
        into.variants.push(buildSystemOf(a, call.place))
        break
      case 'depends_on':
      case 'extends':
        into.dependencies.push(dependencyOf(a, call.place))
        break
      case 'patch':
        into.patches.push(patchOf(a, call.place))
        break
      case 'resource':
        into.resources.push(resourceOf(a, call.place))
        break
      case 'provides':
        into.provides.push(withWhen<ProvidesDirective>({ specs: a.restStrings() }, a.when()))
        break
      case 'conflicts':
        into.conflicts.push(constraintOf(a, a.required('conflict_spec')))
        break
      case 'requires': {
        const specs = a.restStrings()
        if (specs.length > 1)
          throw new NotRepresentable(
            `requires(...): several specs (policy one_of/any_of) do not fit one constraint`,
          )
        a.optional('policy')
        into.requires.push(constraintOf(a, specs[0] as string))
        break
      }
      default:
        throw new Error(`no record for directive ${call.name}`)
    }
  } catch (e) {
    if (e instanceof NotRepresentable) return e
    throw e
  }
  return undefined
}

function withWhen<T extends { when?: string }>(record: T, when: string | undefined): T {
  if (when !== undefined) record.when = when
  return record
}

function versionOf(a: ArgReader, place: SourcePlace): VersionDirective {
  const version = a.versionString('ver')
  // Spack refuses it too (`Bad characters in version string`); here it would become a spec id.
  const problem = versionProblem(version)
  if (problem !== undefined) throw new NotRepresentable(`version(): ${problem}`)
  const record: VersionDirective = {
    version,
    deprecated: a.flag('deprecated'),
    preferred: a.flag('preferred'),
    place,
  }
  for (const key of CHECKSUM_KEYS) {
    const checksum = a.optional(key)
    if (checksum !== undefined && record.checksum === undefined) record.checksum = checksum
    else if (checksum !== undefined) a.unconsume(key)
  }
  for (const key of ['url', 'commit', 'tag', 'branch'] as const) {
    const value = a.optional(key)
    if (value !== undefined) record[key] = value
  }
  const extra = a.remaining()
  if (extra !== undefined) record.extra = extra
  return record
}

function variantOf(a: ArgReader, place: SourcePlace): VariantDirective {
  const name = a.required('name')
  a.any('description')
  a.any('sticky')
  if (a.present('validator')) throw a.problem('validator', 'is not supported')
  const values = a.list('values')
  const multi = a.bool('multi')
  const defaultValue = a.any('default')
  const record: VariantDirective = {
    name,
    default:
      defaultValue === undefined || defaultValue.kind === 'none'
        ? values === undefined
          ? 'false'
          : ''
        : variantString(defaultValue),
    place,
  }
  if (values !== undefined) record.values = values
  if (multi !== undefined) record.multi = multi
  return withWhen(record, a.when())
}

function buildSystemOf(a: ArgReader, place: SourcePlace): VariantDirective {
  const values = a.restStrings()
  const record: VariantDirective = {
    name: 'build_system',
    default: a.optional('default') ?? (values[0] as string),
    values,
    multi: false,
    place,
  }
  return withWhen(record, a.when())
}

function dependencyOf(a: ArgReader, place: SourcePlace): DependencyDirective {
  const spec = a.required('spec')
  if (a.present('patches')) throw a.problem('patches', 'is not supported')
  const name = packageName(a.directive, spec)
  // A spec the planner cannot read (`"zl\u0456b"`, `"a b"`) stays as code, like Spack's error,
  // instead of failing every plan of the repository when it is resolved.
  try {
    parseSpecConstraintCached(spec)
  } catch (e) {
    if (!(e instanceof UserError)) throw e
    // The parser's message quotes the spec raw: quoted here escaped and cut instead.
    const head = `invalid spec "${spec}" `
    const why = e.detail.startsWith(head) ? e.detail.slice(head.length) : e.detail
    throw new NotRepresentable(
      `${a.directive}(): invalid spec ${quote(spec)} ${escapeInvisible(why.slice(0, 200))}`,
    )
  }
  const problem = packageNameProblem(name)
  if (problem !== undefined) throw new NotRepresentable(`${a.directive}(): ${problem}`)
  const record: DependencyDirective = {
    name,
    spec,
    types: a.depTypes(),
    place,
  }
  return withWhen(record, a.when())
}

function patchOf(a: ArgReader, place: SourcePlace): PatchDirective {
  const target = a.required('url_or_filename')
  const record: PatchDirective = URL_PATTERN.test(target) ? { url: target } : { file: target }
  const sha256 = a.optional('sha256')
  if (sha256 !== undefined) record.sha256 = sha256
  const when = a.when()
  if (when !== undefined) record.when = when
  const level = a.any('level')
  if (level?.kind === 'num' && /^[0-9]+$/.test(level.text)) record.level = Number(level.text)
  else if (level !== undefined) a.unconsume('level')
  const extra = a.remaining()
  if (extra !== undefined) record.extra = extra
  record.place = place
  return record
}

function resourceOf(a: ArgReader, place: SourcePlace): ResourceDirective {
  const when = a.when()
  const record: ResourceDirective = { fields: a.remaining() ?? {}, place }
  return withWhen(record, when)
}

function constraintOf(a: ArgReader, spec: string): ConstraintDirective {
  const record: ConstraintDirective = { spec }
  const when = a.when()
  if (when !== undefined) record.when = when
  const msg = a.optional('msg')
  if (msg !== undefined) record.msg = msg
  return record
}

/** Variant defaults and values: `true`/`false`, strings as they are, sequences joined by commas. */
function variantString(value: PyValue): string {
  switch (value.kind) {
    case 'bool':
      return value.value ? 'true' : 'false'
    case 'seq':
      return value.items.map(variantString).join(',')
    default:
      return fieldString(value)
  }
}

const NAME_PATTERN = /^\s*([A-Za-z0-9_][A-Za-z0-9_.-]*)/

/** The package (or virtual) named first in a constraint: `py-numpy@1.2:+x` → `py-numpy`. */
function packageName(directive: string, spec: string): string {
  const match = NAME_PATTERN.exec(spec)
  if (match === null)
    throw new NotRepresentable(`${directive}(): ${JSON.stringify(spec)} names no package`)
  const dotted = (match[1] as string).replace(/\.+$/, '')
  // A namespace-qualified name (`builtin.zlib`) names the package `zlib`.
  return dotted.slice(dotted.lastIndexOf('.') + 1)
}

/** Typed access to a call's literal arguments; every read marks the argument as used. */
class ArgReader {
  readonly directive: string
  private readonly used = new Set<string>()

  constructor(private readonly call: DirectiveCall) {
    this.directive = call.name
  }

  problem(key: string, what: string): NotRepresentable {
    return new NotRepresentable(`${this.directive}(...): argument '${key}' ${what}`)
  }

  present(key: string): boolean {
    const value = this.call.values.get(key)
    this.used.add(key)
    return value !== undefined && value.kind !== 'none'
  }

  any(key: string): PyValue | undefined {
    this.used.add(key)
    return this.call.values.get(key)
  }

  unconsume(key: string): void {
    this.used.delete(key)
  }

  /** A str argument; absent or None → undefined. */
  optional(key: string): string | undefined {
    const value = this.any(key)
    if (value === undefined || value.kind === 'none') return undefined
    if (value.kind !== 'str') throw this.problem(key, 'is not a string')
    return value.value
  }

  /** A version: Spack takes a str or an int (`version(2)`). */
  versionString(key: string): string {
    const value = this.any(key)
    if (value?.kind === 'num' && /^[0-9]+$/.test(value.text)) return value.text
    this.unconsume(key)
    return this.required(key)
  }

  required(key: string): string {
    const value = this.optional(key)
    if (value === undefined) throw this.problem(key, 'is not a string')
    return value
  }

  flag(key: string): boolean {
    const value = this.any(key)
    return value !== undefined && truthy(value)
  }

  bool(key: string): boolean | undefined {
    const value = this.any(key)
    if (value === undefined || value.kind === 'none') return undefined
    if (value.kind !== 'bool') throw this.problem(key, 'is not True or False')
    return value.value
  }

  list(key: string): string[] | undefined {
    const value = this.any(key)
    if (value === undefined || value.kind === 'none') return undefined
    if (value.kind !== 'seq') throw this.problem(key, 'is not a tuple or list')
    return value.items.map(variantString)
  }

  restStrings(): string[] {
    return this.call.rest.map((value) => {
      if (value.kind !== 'str')
        throw new NotRepresentable(`${this.directive}(...): a positional argument is not a string`)
      return value.value
    })
  }

  /** The enclosing `with when()` conditions and the call's own `when=`, joined by spaces. */
  when(): string | undefined {
    const own = this.optional('when')
    const all = own === undefined ? this.call.whens : [...this.call.whens, own]
    const joined = all
      .map((w) => w.trim())
      .filter((w) => w.length > 0)
      .join(' ')
    return joined.length > 0 ? joined : undefined
  }

  depTypes(): DepType[] {
    const value = this.any('type')
    if (value === undefined || value.kind === 'none') {
      // Spack's defaults: depends_on → dt.DEFAULT_TYPES (build, link); extends → (build, run).
      return this.directive === 'extends' ? ['build', 'run'] : ['build', 'link']
    }
    const names = value.kind === 'seq' ? value.items : [value]
    const types = new Set<DepType>()
    for (const item of names) {
      if (item.kind !== 'str') throw this.problem('type', 'is not a string or a tuple of strings')
      // Spack's deptypes.canonicalize: "all" means every dependency type.
      if (item.value === 'all') {
        for (const t of ALL_DEPTYPES) types.add(t)
        continue
      }
      if (!(ALL_DEPTYPES as readonly string[]).includes(item.value))
        throw new NotRepresentable(`${this.directive}(): unknown dependency type '${item.value}'`)
      types.add(item.value as DepType)
    }
    return ALL_DEPTYPES.filter((t) => types.has(t))
  }

  /** Arguments not read yet, as canonical strings (None values left out). */
  remaining(): Record<string, string> | undefined {
    let out: Record<string, string> | undefined
    for (const [key, value] of this.call.values) {
      if (this.used.has(key) || value.kind === 'none') continue
      out ??= {}
      out[key] = fieldString(value)
    }
    return out
  }
}
