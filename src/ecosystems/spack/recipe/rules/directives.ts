/**
 * Rule: extract directives. Scope: the package class body (and its same-file base classes),
 * including `with when(...)` / `with default_args(...)` blocks (nested arbitrarily) and `for` loops
 * over literal tuples/lists, which are unrolled (their body may bind names to literals first:
 * `ver = Version(s)`). A directive whose arguments are all literals
 * becomes a record and leaves the canonical text; any other stays as code (so it still counts for
 * every spec) and is reported as unresolved. A `with` wrapper left with no statements is dropped.
 *
 * The other statements of a `with when(...)` block become conditional code under the block's
 * condition (`blockCode: 'conditional'`, the default), or stay in the canonical text inside their
 * wrapper (`'unconditional'`). Spack's `when` context only conditions directives: a method defined
 * in the block exists for every spec, so only `'unconditional'` is sound for a method that specs
 * outside the condition also call.
 */
import { accepts, bindCall, evalBound, readArgList, SIGNATURES } from '../arguments.js'
import {
  appendDirectives,
  emptyDirectives,
  recordDirective,
  type Directives,
} from '../directives.js'
import type { ConditionalPiece } from '../conditional.js'
import { EMPTY_ENV, evalLiteral, type Env, type PyValue } from '../literals.js'
import { bareCall, withBody, type Stmt } from '../statements.js'
import type { PyNode, PySource } from '../syntax.js'
import { unparse } from '../unparse.js'
import { isMetadataStatement } from './metadata.js'
import { evalHostCondition, NO_HOST_CONSTANTS, type HostConstants } from '../host-platform.js'

export interface Unresolved {
  line: number
  reason: string
}

export interface ExtractedDirectives extends Directives {
  unresolved: Unresolved[]
  /** Non-directive statements of `with when()` blocks (in `conditional` mode). */
  conditionalCode: ConditionalPiece[]
}

export type BlockCode = 'conditional' | 'unconditional'

function emptyFound(): ExtractedDirectives {
  return { ...emptyDirectives(), unresolved: [], conditionalCode: [] }
}

interface Scope {
  whens: readonly string[]
  /** `default_args(...)` keyword values, inner blocks overriding outer ones. */
  defaults: ReadonlyMap<string, PyValue>
  env: Env
  /** Inside an unrolled loop: the outermost loop statement's source range. */
  loop?: { from: number; to: number }
}

export function extractDirectives(
  classBody: readonly Stmt[],
  source: PySource,
  blockCode: BlockCode = 'conditional',
  constants: HostConstants = NO_HOST_CONSTANTS,
): { body: Stmt[]; found: ExtractedDirectives } {
  const found = emptyFound()
  const walker = new Walker(source, blockCode, constants)
  // Host-platform constants read as the booleans they are on the planned builders.
  const env: Env =
    constants.size === 0
      ? EMPTY_ENV
      : new Map([...constants].map(([k, v]) => [k, { kind: 'bool', value: v } as PyValue]))
  const body = walker.block(classBody, { whens: [], defaults: new Map(), env }, found)
  return { body, found }
}

const COMPOUND_LABELS: Record<string, string> = {
  IfStatement: "an 'if' statement",
  TryStatement: "a 'try' statement",
  WhileStatement: "a 'while' loop",
  MatchStatement: "a 'match' statement",
  WithStatement: "a 'with' block",
  ForStatement: "a 'for' loop that cannot be unrolled",
}

class Walker {
  private readonly text: string

  constructor(
    private readonly source: PySource,
    private readonly blockCode: BlockCode,
    private readonly constants: HostConstants,
  ) {
    this.text = source.text
  }

  /** The statements of `stmts` that stay as code; records go to `found`. */
  block(stmts: readonly Stmt[], outer: Scope, found: ExtractedDirectives): Stmt[] {
    const kept: Stmt[] = []
    let scope = outer
    for (const stmt of stmts) {
      if (stmt.kind === 'PassStatement' || isMetadataStatement(stmt, this.text)) continue
      // In an unrolled loop's body, `v = <literal>` (`ver = Version(s)`) binds v for what follows.
      const bound = scope.loop ? this.literalAssignment(stmt, scope.env, scope.loop) : undefined
      if (bound !== undefined) {
        scope = { ...scope, env: bound }
        continue
      }
      const call = bareCall(stmt, this.text)
      if (call !== undefined && SIGNATURES.has(call.callee)) {
        if (!this.directive(call.callee, call.args, stmt.line, scope, found)) kept.push(stmt)
      } else if (stmt.kind === 'WithStatement') {
        const inner = this.withScope(stmt, scope, found)
        if (inner === undefined) {
          this.reportNested(stmt, found)
          kept.push(stmt)
        } else if (inner !== 'code') {
          const body = this.block(stmt.clauses?.[0]?.body ?? [], inner, found)
          if (body.length === 0) continue
          if (this.blockCode === 'conditional' && inner.whens.length > 0) {
            const when = inner.whens.join(' ')
            found.conditionalCode.push({
              when,
              label: `with when(${JSON.stringify(when)}) block`,
              canonical: unparse(body, this.text),
              line: stmt.line,
            })
          } else kept.push(withBody(stmt, 0, body))
        } else {
          this.reportNested(stmt, found)
          kept.push(stmt)
        }
      } else if (stmt.kind === 'ForStatement') {
        if (!this.unroll(stmt, scope, found)) kept.push(stmt)
      } else if (stmt.kind === 'IfStatement' && this.hostBranch(stmt) !== undefined) {
        const taken = this.hostBranch(stmt)!
        // No branch runs on the host: kept as code, unreported (over-rebuilds at worst).
        if (taken < 0) {
          kept.push(stmt)
          continue
        }
        const body = this.block(stmt.clauses![taken]!.body, scope, found)
        const others = stmt.clauses!.some((c, i) => i !== taken && c.body.length > 0)
        if (body.length > 0 || others) kept.push(withBody(stmt, taken, body))
      } else {
        if (stmt.clauses !== undefined) this.reportNested(stmt, found)
        kept.push(stmt)
      }
    }
    return kept
  }

  /**
   * The clause of a class-level `if` on the host platform that runs on the planned (Linux)
   * builders: its index, -1 when none does, undefined when a condition is not known statically.
   * The taken clause's directives are plain directives; the others stay as code.
   */
  private hostBranch(stmt: Stmt): number | undefined {
    const clauses = stmt.clauses ?? []
    for (const [i, clause] of clauses.entries()) {
      const [keyword, condition, extra] = clause.header
      if (keyword?.name === 'else' && condition === undefined) return i
      if (condition === undefined || extra !== undefined) return undefined
      const holds = evalHostCondition(condition, this.text, this.constants)
      if (holds === undefined) return undefined
      if (holds) return i
    }
    return -1
  }

  /** Record one directive call; false when it stays as code. */
  private directive(
    name: string,
    argList: PyNode,
    line: number,
    scope: Scope,
    found: ExtractedDirectives,
  ): boolean {
    const signature = SIGNATURES.get(name)
    if (signature === undefined) return false
    const items = readArgList(argList, this.text)
    const unresolved = (reason: string): boolean => {
      found.unresolved.push({ line, reason })
      return false
    }
    // Spack raises here: version() takes no when= argument.
    if (name === 'version' && scope.whens.length > 0)
      return unresolved(`version(): cannot be used inside a 'with when(...)' block`)
    if (items.other) return unresolved(`${name}(...): an argument is not a literal`)
    const bound = bindCall(name, signature, items)
    if ('unbound' in bound) return unresolved(bound.unbound)
    if (bound.unpacking)
      return unresolved(`${name}(...): uses argument unpacking (*args or **kwargs)`)
    const evaluated = evalBound(bound, signature.varargs ?? '', this.text, scope.env)
    if ('notLiteral' in evaluated)
      return unresolved(`${name}(...): argument '${evaluated.notLiteral}' is not a literal`)
    for (const [key, value] of scope.defaults) {
      if (evaluated.values.has(key)) continue
      if (!accepts(signature, key))
        return unresolved(`${name}(): unknown argument '${key}' (from default_args)`)
      evaluated.values.set(key, value)
    }
    const problem = recordDirective(
      {
        name,
        values: evaluated.values,
        rest: evaluated.rest,
        whens: scope.whens,
        place: { file: this.source.file, line },
      },
      found,
    )
    if (problem !== undefined) return unresolved(problem.reason)
    return true
  }

  /**
   * The scope inside `with when(...)` / `with default_args(...)` (several items allowed); `code` for
   * any other `with`; undefined (and an unresolved item) when a condition is not a literal.
   */
  private withScope(
    stmt: Stmt,
    scope: Scope,
    found: ExtractedDirectives,
  ): Scope | 'code' | undefined {
    const header = stmt.clauses?.[0]?.header ?? []
    const whens = [...scope.whens]
    const defaults = new Map(scope.defaults)
    let expectItem = true
    for (const node of header.slice(1)) {
      if (node.name === ',' && !expectItem) {
        expectItem = true
        continue
      }
      if (!expectItem || node.name !== 'CallExpression') return 'code'
      expectItem = false
      const callee = node.firstChild
      const argList = node.lastChild
      if (callee?.name !== 'VariableName' || argList?.name !== 'ArgList') return 'code'
      const name = this.text.slice(callee.from, callee.to)
      if (name !== 'when' && name !== 'default_args') return 'code'
      const items = readArgList(argList, this.text)
      const unresolved = (reason: string): undefined => {
        found.unresolved.push({ line: stmt.line, reason })
        return undefined
      }
      if (items.other || items.unpacking)
        return unresolved(`${name}(...): an argument is not a literal`)
      if (name === 'when') {
        const [condition] = items.positional
        if (condition === undefined || items.positional.length !== 1 || items.keywords.length > 0)
          return unresolved('when(): takes exactly one condition')
        const value = evalLiteral(condition, this.text, scope.env)
        if (value === undefined) return unresolved(`when(...): argument 1 is not a literal`)
        if (value.kind !== 'str') return unresolved(`when(...): argument 1 is not a string`)
        whens.push(value.value)
      } else {
        if (items.positional.length > 0)
          return unresolved('default_args(): takes keyword arguments only')
        for (const { name: key, node: valueNode } of items.keywords) {
          const value = evalLiteral(valueNode, this.text, scope.env)
          if (value === undefined)
            return unresolved(`default_args(...): argument '${key}' is not a literal`)
          defaults.set(key, value)
        }
      }
    }
    if (expectItem) return 'code'
    return { whens, defaults, env: scope.env }
  }

  /**
   * `name = <literal>` → the environment with name bound; undefined for anything else. Only for a
   * name that nothing outside the loop mentions: the loop leaves it behind as a class attribute,
   * and dropping the statement with the unrolled loop must not hide a value a method reads.
   */
  private literalAssignment(
    stmt: Stmt,
    env: Env,
    loop: { from: number; to: number },
  ): Env | undefined {
    if (stmt.kind !== 'AssignStatement') return undefined
    const target = stmt.node.firstChild
    const op = target?.nextSibling
    const value = op?.nextSibling
    if (
      target?.name !== 'VariableName' ||
      op?.name !== 'AssignOp' ||
      this.text.slice(op.from, op.to) !== '=' ||
      value == null ||
      value.nextSibling !== null
    )
      return undefined
    const v = evalLiteral(value, this.text, env)
    if (v === undefined) return undefined
    const name = this.text.slice(target.from, target.to)
    const word = new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`)
    if (word.test(this.text.slice(0, loop.from)) || word.test(this.text.slice(loop.to)))
      return undefined
    return new Map(env).set(name, v)
  }

  /** Unroll `for <names> in <literal tuple/list>:` whose body is all directives. */
  private unroll(stmt: Stmt, scope: Scope, found: ExtractedDirectives): boolean {
    const clauses = stmt.clauses ?? []
    const clause = clauses[0]
    const bindings =
      clause === undefined || clauses.length !== 1
        ? undefined
        : this.loopBindings(clause.header, scope.env)
    if (clause === undefined || bindings === undefined) {
      this.reportNested(stmt, found)
      return false
    }
    const trial = emptyFound()
    let complete = true
    for (const env of bindings) {
      const loop = scope.loop ?? { from: stmt.node.from, to: stmt.node.to }
      if (this.block(clause.body, { ...scope, env, loop }, trial).length > 0) {
        complete = false
        break
      }
    }
    if (complete) {
      appendDirectives(found, trial)
      found.conditionalCode.push(...trial.conditionalCode)
      return true
    }
    if (trial.unresolved.length === 0) this.reportNested(stmt, found)
    const seen = new Set<string>()
    for (const item of trial.unresolved) {
      const key = `${item.line}\u0000${item.reason}`
      if (!seen.has(key)) found.unresolved.push(item)
      seen.add(key)
    }
    return false
  }

  /** One environment per iteration, or undefined when the loop is not over literals. */
  private loopBindings(header: readonly PyNode[], env: Env): Env[] | undefined {
    const inAt = header.findIndex((node) => node.name === 'in')
    if (header[0]?.name !== 'for' || inAt < 2) return undefined
    const targets = this.targetNames(header.slice(1, inAt))
    const iterableNodes = header.slice(inAt + 1).filter((node) => node.name !== ',')
    if (targets === undefined || iterableNodes.length === 0) return undefined
    let items: PyValue[]
    if (iterableNodes.length === 1) {
      const iterable = evalLiteral(iterableNodes[0] as PyNode, this.text, env)
      if (iterable?.kind !== 'seq') return undefined
      items = iterable.items
    } else {
      // for v in "1.0", "1.1":
      items = []
      for (const node of iterableNodes) {
        const value = evalLiteral(node, this.text, env)
        if (value === undefined) return undefined
        items.push(value)
      }
    }
    const envs: Env[] = []
    const { names, unpack } = targets
    for (const item of items) {
      const next = new Map(env)
      if (!unpack) next.set(names[0] as string, item)
      else {
        if (item.kind !== 'seq' || item.items.length !== names.length) return undefined
        names.forEach((name, i) => next.set(name, item.items[i] as PyValue))
      }
      envs.push(next)
    }
    return envs
  }

  /** `v`, `v, s`, `(v, s)` or `[v, s]` → the names; `unpack` when the target is a sequence. */
  private targetNames(nodes: readonly PyNode[]): { names: string[]; unpack: boolean } | undefined {
    let list = nodes.filter((node) => node.name !== ',')
    let unpack = nodes.length > 1
    const only = list.length === 1 ? list[0] : undefined
    if (only?.name === 'TupleExpression' || only?.name === 'ArrayExpression') {
      list = []
      for (let child = only.firstChild; child; child = child.nextSibling) {
        if (!['(', ')', '[', ']', ',', 'Comment'].includes(child.name)) list.push(child)
      }
      unpack = true
    }
    const names: string[] = []
    for (const node of list) {
      if (node.name !== 'VariableName') return undefined
      names.push(this.text.slice(node.from, node.to))
    }
    return names.length > 0 ? { names, unpack } : undefined
  }

  /** Directives inside a statement that stays as code are reported as unresolved. */
  private reportNested(stmt: Stmt, found: ExtractedDirectives): void {
    const where = COMPOUND_LABELS[stmt.kind]
    if (where === undefined) return
    const visit = (stmts: readonly Stmt[]): void => {
      for (const inner of stmts) {
        const call = bareCall(inner, this.text)
        if (call !== undefined && SIGNATURES.has(call.callee)) {
          found.unresolved.push({
            line: inner.line,
            reason: `${call.callee}(...): inside ${where}, kept as code`,
          })
        } else if (
          inner.clauses !== undefined &&
          inner.kind !== 'FunctionDefinition' &&
          inner.kind !== 'ClassDefinition' &&
          inner.kind !== 'DecoratedStatement'
        ) {
          for (const clause of inner.clauses) visit(clause.body)
        }
      }
    }
    for (const clause of stmt.clauses ?? []) visit(clause.body)
  }
}
