/** Import statements: what a recipe imports, and one canonical spelling of each statement. */
import type { PyNode } from './syntax.js'

export interface RecipeImport {
  /** Dotted module name; a relative import keeps its leading dots (`..bar`, `.`). */
  module: string
  /** Names imported by `from module import …` (`*` for a star import); empty for `import module`. */
  names: string[]
  /** Local names bound with `as`: alias → imported name (or module, for `import a.b as c`). */
  aliases?: Record<string, string>
  line: number
}

/**
 * Read an ImportStatement node. One statement can import several modules (`import os, sys`): one
 * entry each. Also returns the statement's canonical text.
 */
export function readImport(
  node: PyNode,
  text: string,
  line: number,
): { imports: RecipeImport[]; canonical: string } {
  const tokens: Array<{ name: string; text: string }> = []
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name === 'Comment' || child.name === '(' || child.name === ')') continue
    tokens.push({ name: child.name, text: text.slice(child.from, child.to) })
  }
  if (tokens[0]?.name === 'from') {
    // from <dots><dotted> import <name [as alias]>, …
    let i = 1
    let module = ''
    for (; i < tokens.length && tokens[i]?.name !== 'import'; i++)
      module += (tokens[i] as { text: string }).text
    i++
    const names: string[] = []
    const aliases: Record<string, string> = {}
    const parts: string[] = []
    while (i < tokens.length) {
      const t = tokens[i] as { name: string; text: string }
      if (t.name === ',') {
        i++
        continue
      }
      const next = tokens[i + 1]
      if (next?.name === 'as') {
        const alias = (tokens[i + 2] as { text: string }).text
        aliases[alias] = t.text
        names.push(t.text)
        parts.push(`${t.text} as ${alias}`)
        i += 3
      } else {
        names.push(t.text)
        parts.push(t.text)
        i++
      }
    }
    const entry: RecipeImport = { module, names, line }
    if (Object.keys(aliases).length > 0) entry.aliases = aliases
    return { imports: [entry], canonical: `from ${module} import ${parts.join(', ')}` }
  }
  // import a.b [as c], d
  const imports: RecipeImport[] = []
  const parts: string[] = []
  let i = 1
  while (i < tokens.length) {
    let module = ''
    for (; i < tokens.length && tokens[i]?.name !== ',' && tokens[i]?.name !== 'as'; i++)
      module += (tokens[i] as { text: string }).text
    const entry: RecipeImport = { module, names: [], line }
    if (tokens[i]?.name === 'as') {
      const alias = (tokens[i + 1] as { text: string }).text
      entry.aliases = { [alias]: module }
      parts.push(`${module} as ${alias}`)
      i += 2
    } else parts.push(module)
    imports.push(entry)
    i++ // the comma
  }
  return { imports, canonical: `import ${parts.join(', ')}` }
}
