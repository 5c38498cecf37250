/**
 * A statement-level view of the module that rules transform: each statement keeps its lezer node
 * (expressions are re-emitted from the tree), compound statements are split into clauses
 * (`header:` + body). Rules return new statement lists; nothing here descends into expressions.
 */
import { readImport, type RecipeImport } from './imports.js'
import { lineAt, type PyNode, type PySource } from './syntax.js'

export interface Clause {
  /** The nodes before the clause's `:` (`if x`, `elif y`, `def f(self) -> int`). */
  header: PyNode[]
  body: Stmt[]
}

export interface Stmt {
  node: PyNode
  /** The lezer node name (`ExpressionStatement`, `ClassDefinition`, `DecoratedStatement` …). */
  kind: string
  line: number
  /** Compound statements: their clauses, in order. */
  clauses?: Clause[]
  /** DecoratedStatement: the decorator nodes; `definition` names the decorated node kind. */
  decorators?: PyNode[]
  definition?: string
  /** ImportStatement: its canonical text. */
  importText?: string
}

const COMPOUND = new Set([
  'IfStatement',
  'WhileStatement',
  'ForStatement',
  'TryStatement',
  'WithStatement',
  'FunctionDefinition',
  'ClassDefinition',
  'MatchStatement',
  'MatchClause',
])

export interface LoweredModule {
  body: Stmt[]
  imports: RecipeImport[]
}

export function lowerModule(source: PySource): LoweredModule {
  const imports: RecipeImport[] = []
  const body = lowerBlock(source.tree.topNode, source, imports)
  return { body, imports }
}

/** The statements of a Script, Body or MatchBody node. */
function lowerBlock(block: PyNode, source: PySource, imports: RecipeImport[]): Stmt[] {
  const out: Stmt[] = []
  for (let child = block.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === 'Comment' || name === ':') continue
    if (name === 'StatementGroup') {
      // `a = 1; b = 2` is two statements.
      for (let inner = child.firstChild; inner; inner = inner.nextSibling) {
        if (inner.name !== ';' && inner.name !== 'Comment')
          out.push(lowerStmt(inner, source, imports))
      }
    } else out.push(lowerStmt(child, source, imports))
  }
  return out
}

function lowerStmt(node: PyNode, source: PySource, imports: RecipeImport[]): Stmt {
  const kind = node.name
  const line = lineAt(source, node.from)
  if (kind === 'ImportStatement') {
    const read = readImport(node, source.text, line)
    imports.push(...read.imports)
    return { node, kind, line, importText: read.canonical }
  }
  if (kind === 'DecoratedStatement') {
    const decorators: PyNode[] = []
    let definition: PyNode | null = null
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.name === 'Decorator') decorators.push(child)
      else if (child.name !== 'Comment') definition = child
    }
    if (definition === null) return { node, kind, line }
    return {
      node,
      kind,
      line,
      decorators,
      definition: definition.name,
      clauses: lowerClauses(definition, source, imports),
    }
  }
  if (COMPOUND.has(kind)) return { node, kind, line, clauses: lowerClauses(node, source, imports) }
  return { node, kind, line }
}

function lowerClauses(node: PyNode, source: PySource, imports: RecipeImport[]): Clause[] {
  const clauses: Clause[] = []
  let header: PyNode[] = []
  for (let child = node.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === 'Body' || name === 'MatchBody') {
      clauses.push({ header, body: lowerBlock(child, source, imports) })
      header = []
    } else if (name !== 'Comment') header.push(child)
  }
  return clauses
}

/** A shallow copy of a compound statement with one clause's body replaced. */
export function withBody(stmt: Stmt, clauseIndex: number, body: Stmt[]): Stmt {
  const clauses = (stmt.clauses ?? []).map((clause, i) =>
    i === clauseIndex ? { header: clause.header, body } : clause,
  )
  return { ...stmt, clauses }
}

/** `name(…)` as a bare expression statement: the callee name and the ArgList node. */
export function bareCall(stmt: Stmt, text: string): { callee: string; args: PyNode } | undefined {
  if (stmt.kind !== 'ExpressionStatement') return undefined
  const call = stmt.node.firstChild
  if (call === null || call.name !== 'CallExpression' || call.nextSibling !== null) return undefined
  const callee = call.firstChild
  const args = call.lastChild
  if (callee === null || callee.name !== 'VariableName' || args === null || args.name !== 'ArgList')
    return undefined
  return { callee: text.slice(callee.from, callee.to), args }
}
