/**
 * Spack `package.py` recipes → a pure value: the canonical text of the recipe (what the package
 * digest hashes) and the directives the spec-level digest uses (ARCHITECTURE §3).
 *
 * The pipeline, one rule per step (STYLE §4):
 *   parse (lezer, syntax errors are UserErrors) → statements
 *   → docstrings removed (every body)
 *   → metadata removed (package class)
 *   → directives extracted (package class and its same-file bases, `with when()` /
 *     `default_args()` blocks, literal loops; other `with when()` code → conditional code)
 *   → `@when` methods moved to conditional code (top-level classes)
 *   → unparsed from the syntax tree (emit.ts): comments, spacing, wrapping, trailing commas,
 *     redundant parentheses (by precedence, precedence.ts), tuple parentheses, quoting and
 *     implicit concatenation (strings.ts) and number spellings (numbers.ts) do not count.
 */
import type { PackageDirectives } from '../../../core/model.js'
import { uniqueLabels, type ConditionalPiece } from './conditional.js'
import { appendDirectives } from './directives.js'
import type { RecipeImport } from './imports.js'
import { findPackageClass } from './package-class.js'
import { removeDocstrings } from './rules/docstrings.js'
import { hostConstants } from './host-platform.js'
import { extractDirectives, type BlockCode } from './rules/directives.js'
import { removeMetadata } from './rules/metadata.js'
import { extractMultimethods } from './rules/multimethods.js'
import { lowerModule, withBody, type Stmt } from './statements.js'
import { parsePython, type PySource } from './syntax.js'
import { unparse } from './unparse.js'

export type { ConditionalPiece } from './conditional.js'
export type { RecipeImport } from './imports.js'
export type { BlockCode } from './rules/directives.js'

export interface ParsedRecipe extends PackageDirectives {
  /** Canonical text of the recipe (hashed by the caller). */
  canonical: string
  /** The package class (named after the package directory, else see package-class.ts). */
  className?: string
  /** Direct base classes of the package class, as written (dotted names kept). */
  baseClassNames: string[]
  /** Every import statement, anywhere in the module. */
  imports: RecipeImport[]
  /** `@when` methods and `with when()` code: canonical text per condition (not digested here). */
  conditionalCode: ConditionalPiece[]
  /** Directives kept as code because they could not be resolved statically. */
  unresolved: Array<{ line: number; reason: string }>
}

export interface RecipeOptions {
  /**
   * Where the non-directive statements of a `with when(...)` block go: `conditional` (default)
   * hashes them only into the specs that satisfy the condition; `unconditional` keeps them in the
   * canonical text. Spack runs such statements for every spec (its `when` context only conditions
   * directives), so `unconditional` is the sound choice when a method defined there may be called
   * by specs outside the condition.
   */
  withWhenCode?: BlockCode
  /** The module already parsed from `source` (one parse serves several readers). */
  parsed?: PySource
}

/**
 * Parse a `package.py`. Throws `UserError('recipe', 'file:line', …)` on a Python syntax error and
 * on a directive called with an argument it does not take. `file` names the recipe in messages and
 * places; its directory name also tells which class is the package (`py-numpy` → `PyNumpy`).
 */
export function parseSpackRecipe(
  source: string,
  file: string,
  options: RecipeOptions = {},
): ParsedRecipe {
  const parsed = options.parsed ?? parsePython(source, file)
  const text = parsed.text
  const lowered = lowerModule(parsed)
  const body = removeDocstrings(lowered.body)
  const recipe: ParsedRecipe = {
    canonical: '',
    baseClassNames: [],
    imports: lowered.imports,
    versions: [],
    variants: [],
    dependencies: [],
    patches: [],
    resources: [],
    provides: [],
    conflicts: [],
    requires: [],
    conditionalCode: [],
    unresolved: [],
  }
  const pieces: ConditionalPiece[] = []
  const pkg = findPackageClass(body, lowered.imports, text, file)
  if (pkg !== undefined) {
    const constants = hostConstants(body, text)
    recipe.className = pkg.name
    recipe.baseClassNames = pkg.bases
    // The package class and the same-file classes it derives from carry its directives.
    for (const index of [...pkg.ancestors, pkg.index]) {
      const classStmt = body[index] as Stmt
      const classBody = removeMetadata(classStmt.clauses?.[0]?.body ?? [], text)
      const { body: rest, found } = extractDirectives(
        classBody,
        parsed,
        options.withWhenCode,
        constants,
      )
      const { unresolved, conditionalCode, ...directives } = found
      appendDirectives(recipe, directives)
      recipe.unresolved.push(...unresolved)
      pieces.push(...conditionalCode)
      body[index] = withBody(classStmt, 0, rest)
    }
  }
  for (let i = 0; i < body.length; i++) {
    const stmt = body[i] as Stmt
    if ((stmt.definition ?? stmt.kind) !== 'ClassDefinition') continue
    const classBody = stmt.clauses?.[0]?.body ?? []
    const nameNode = stmt.clauses?.[0]?.header.find((node) => node.name === 'VariableName')
    const qualifier =
      i === pkg?.index || nameNode === undefined ? '' : `${text.slice(nameNode.from, nameNode.to)}.`
    const rest = extractMultimethods(classBody, qualifier, parsed, pieces)
    if (rest.length !== classBody.length) body[i] = withBody(stmt, 0, rest)
  }
  recipe.conditionalCode = uniqueLabels(pieces)
  recipe.canonical = unparse(body, text)
  return recipe
}

/**
 * Canonical text of any Python module (build-system base classes, plugin code): comments,
 * docstrings and formatting removed, nothing else.
 */
export function canonicalizePythonModule(source: string, file: string): string {
  const parsed = parsePython(source, file)
  return unparse(removeDocstrings(lowerModule(parsed).body), parsed.text)
}
