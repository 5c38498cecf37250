/**
 * Rule: remove package metadata that cannot change a build. Scope: the package class body (the
 * directive rule also drops these calls inside `with when()` blocks). `url` and `git` stay: they
 * choose where sources come from when a version gives no url of its own.
 */
import { bareCall, type Stmt } from '../statements.js'

/** Class attributes only read by `spack info`, `spack checksum`, `spack versions` … */
export const METADATA_ATTRIBUTES: ReadonlySet<string> = new Set([
  'homepage',
  'list_url',
  'list_depth',
  'maintainers',
  'tags',
])
/** Directives that record metadata only. */
export const METADATA_CALLS: ReadonlySet<string> = new Set([
  'maintainers',
  'license',
  'redistribute',
])

export function removeMetadata(classBody: readonly Stmt[], text: string): Stmt[] {
  return classBody.filter((stmt) => !isMetadataStatement(stmt, text))
}

export function isMetadataStatement(stmt: Stmt, text: string): boolean {
  if (stmt.kind === 'AssignStatement') {
    // exactly `name = value`
    const target = stmt.node.firstChild
    const op = target?.nextSibling
    const value = op?.nextSibling
    if (
      target?.name !== 'VariableName' ||
      op?.name !== 'AssignOp' ||
      value == null ||
      value.nextSibling !== null
    )
      return false
    return (
      text.slice(op.from, op.to) === '=' &&
      METADATA_ATTRIBUTES.has(text.slice(target.from, target.to))
    )
  }
  const call = bareCall(stmt, text)
  return call !== undefined && METADATA_CALLS.has(call.callee)
}
