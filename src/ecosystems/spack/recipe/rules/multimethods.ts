/**
 * Rule: move `@when("<condition>")` methods out of the canonical text into conditional code. Scope:
 * the bodies of top-level classes (package and builder classes; both dispatch on the spec). Only a
 * method whose sole decorator is `when` with a literal string qualifies; anything else stays.
 *
 * Spack calls the first registered method whose condition the spec satisfies, so the order of the
 * `@when` variants of one method matters: each piece records the conditions registered before it.
 */
import { readArgList } from '../arguments.js'
import type { ConditionalPiece } from '../conditional.js'
import { evalLiteral, EMPTY_ENV } from '../literals.js'
import type { Stmt } from '../statements.js'
import type { PySource } from '../syntax.js'
import { unparse } from '../unparse.js'

export function extractMultimethods(
  classBody: readonly Stmt[],
  qualifier: string,
  source: PySource,
  pieces: ConditionalPiece[],
): Stmt[] {
  const kept: Stmt[] = []
  const earlier = new Map<string, string[]>()
  for (const stmt of classBody) {
    const method = whenMethod(stmt, source.text)
    if (method === undefined) {
      kept.push(stmt)
      continue
    }
    const before = earlier.get(method.name) ?? []
    earlier.set(method.name, [...before, method.when])
    const body = unparse([{ ...stmt, decorators: [] }], source.text)
    const preamble =
      before.length > 0
        ? `# after ${before.map((w) => `@when(${JSON.stringify(w)})`).join(', ')}\n`
        : ''
    const label = `method ${qualifier}${method.name} when ${method.when}`
    pieces.push({ when: method.when, label, canonical: preamble + body, line: stmt.line })
  }
  return kept
}

/** `@when("cond") def name(...)`: the method name and condition. */
function whenMethod(stmt: Stmt, text: string): { name: string; when: string } | undefined {
  if (
    stmt.kind !== 'DecoratedStatement' ||
    stmt.definition !== 'FunctionDefinition' ||
    stmt.decorators?.length !== 1
  )
    return undefined
  const decorator = stmt.decorators[0]
  const at = decorator?.firstChild
  const callee = at?.nextSibling
  const argList = callee?.nextSibling
  if (
    callee?.name !== 'VariableName' ||
    text.slice(callee.from, callee.to) !== 'when' ||
    argList?.name !== 'ArgList' ||
    argList.nextSibling !== null
  ) {
    return undefined
  }
  const items = readArgList(argList, text)
  const [condition] = items.positional
  if (
    condition === undefined ||
    items.positional.length !== 1 ||
    items.keywords.length > 0 ||
    items.unpacking ||
    items.other
  )
    return undefined
  const value = evalLiteral(condition, text, EMPTY_ENV)
  if (value?.kind !== 'str') return undefined
  const nameNode = stmt.clauses?.[0]?.header.find((node) => node.name === 'VariableName')
  if (nameNode === undefined) return undefined
  return { name: text.slice(nameNode.from, nameNode.to), when: value.value }
}
