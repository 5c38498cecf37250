/**
 * Which class in a recipe is the package: the first top-level class deriving from a base whose
 * name ends in `Package`, or from a class imported from a package repository (`spack_repo.*`,
 * `spack.pkg.*`, a relative import) that is not a builder.
 */
import { Writer } from './emit.js'
import type { RecipeImport } from './imports.js'
import type { Stmt } from './statements.js'
import type { PyNode } from './syntax.js'

export interface PackageClass {
  /** Index of the class statement in the module body. */
  index: number
  name: string
  /** Direct base classes as written (dotted names re-emitted canonically). */
  bases: string[]
}

const REPO_MODULE = /^(spack_repo\.|spack\.pkg\.|\.)/

export function findPackageClass(
  body: readonly Stmt[],
  imports: readonly RecipeImport[],
  text: string,
): PackageClass | undefined {
  const repoNames = new Set<string>()
  for (const entry of imports) {
    if (!REPO_MODULE.test(entry.module)) continue
    const aliasOf = new Map(
      Object.entries(entry.aliases ?? {}).map(([alias, name]) => [name, alias]),
    )
    for (const name of entry.names) repoNames.add(aliasOf.get(name) ?? name)
    // import spack_repo.builtin.packages.boost.package as boost
    if (entry.names.length === 0)
      for (const alias of Object.keys(entry.aliases ?? {})) repoNames.add(alias)
  }
  for (let index = 0; index < body.length; index++) {
    const stmt = body[index] as Stmt
    if ((stmt.definition ?? stmt.kind) !== 'ClassDefinition') continue
    const header = stmt.clauses?.[0]?.header ?? []
    const nameNode = header.find((node) => node.name === 'VariableName')
    if (nameNode === undefined) continue
    const bases = baseClasses(
      header.find((node) => node.name === 'ArgList'),
      text,
    )
    const isPackage = bases.some((base) => {
      const last = base.slice(base.lastIndexOf('.') + 1)
      if (last.endsWith('Package')) return true
      if (last.endsWith('Builder')) return false
      return repoNames.has(base.split('.')[0] as string) || REPO_MODULE.test(base)
    })
    if (isPackage) return { index, name: text.slice(nameNode.from, nameNode.to), bases }
  }
  return undefined
}

/** Positional arguments of a class's ArgList, canonically spelled (keywords such as metaclass= left out). */
function baseClasses(argList: PyNode | undefined, text: string): string[] {
  if (argList === undefined) return []
  const bases: string[] = []
  const writer = new Writer(text)
  let current: PyNode[] = []
  const flush = (): void => {
    if (current.length === 1) {
      writer.emitNode(current[0] as PyNode)
      bases.push(writer.take())
    }
    current = []
  }
  for (let child = argList.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === '(' || name === 'Comment') continue
    if (name === ',' || name === ')') flush()
    else current.push(child)
  }
  flush()
  return bases
}
