/**
 * Rule: remove docstrings. Scope: every body (module, class, function and nested blocks), anywhere
 * in the body, not only first. A bare string-literal statement is inert wherever it stands; a bare
 * f-string is kept (its fields are expressions that run).
 */
import type { Stmt } from '../statements.js'
import type { PyNode } from '../syntax.js'

export function removeDocstrings(stmts: readonly Stmt[]): Stmt[] {
  const out: Stmt[] = []
  for (const stmt of stmts) {
    if (isDocstring(stmt)) continue
    if (stmt.clauses === undefined) out.push(stmt)
    else
      out.push({
        ...stmt,
        clauses: stmt.clauses.map((clause) => ({
          header: clause.header,
          body: removeDocstrings(clause.body),
        })),
      })
  }
  return out
}

export function isDocstring(stmt: Stmt): boolean {
  if (stmt.kind !== 'ExpressionStatement') return false
  let expr = stmt.node.firstChild
  if (expr === null || expr.nextSibling !== null) return false
  // `("text")` is the same bare string (the formatting rule writes it without parentheses).
  while (expr.name === 'ParenthesizedExpression') {
    const inner: PyNode | null | undefined = expr.firstChild?.nextSibling
    if (inner == null || inner.nextSibling?.name !== ')') return false
    expr = inner
  }
  if (expr.name === 'String') return true
  if (expr.name !== 'ContinuedString') return false
  for (let part = expr.firstChild; part; part = part.nextSibling)
    if (part.name === 'FormatString') return false
  return true
}
