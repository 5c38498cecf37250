/**
 * Statements back to text: one statement per line, four spaces per block level, compound headers
 * re-emitted by the formatting rule, and `pass` in any body a rule emptied, so the output stays
 * valid Python.
 */
import { Writer } from './emit.js'
import type { Stmt } from './statements.js'

const PADS: string[] = ['']
function pad(depth: number): string {
  while (PADS.length <= depth) PADS.push(PADS[PADS.length - 1] + '    ')
  return PADS[depth] as string
}

/** Canonical text of a statement list at block depth `depth` (lines end with `\n`). */
export function unparse(stmts: readonly Stmt[], text: string, depth = 0): string {
  const out: string[] = []
  const writer = new Writer(text)
  for (const stmt of stmts) unparseStmt(stmt, depth, writer, out)
  return out.length === 0 ? '' : out.join('\n') + '\n'
}

function unparseBlock(stmts: readonly Stmt[], depth: number, writer: Writer, out: string[]): void {
  if (stmts.length === 0) out.push(pad(depth) + 'pass')
  for (const stmt of stmts) unparseStmt(stmt, depth, writer, out)
}

function unparseStmt(stmt: Stmt, depth: number, writer: Writer, out: string[]): void {
  const indent = pad(depth)
  if (stmt.importText !== undefined) {
    out.push(indent + stmt.importText)
    return
  }
  if (stmt.clauses === undefined) {
    writer.emitNode(stmt.node)
    out.push(indent + writer.take())
    return
  }
  for (const decorator of stmt.decorators ?? []) {
    writer.emitNode(decorator)
    out.push(indent + writer.take())
  }
  const kind = stmt.definition ?? stmt.kind
  for (const clause of stmt.clauses) {
    writer.emitNodes(clause.header, kind)
    writer.colon()
    out.push(indent + writer.take())
    unparseBlock(clause.body, depth + 1, writer, out)
  }
}
