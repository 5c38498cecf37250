import { parser } from './recipe/grammar/parser.js'
import { MAX_PYTHON_CHARS } from './recipe/syntax.js'

/** Names of the classes defined at the top level of a Python module (parsed, not pattern-matched). */
export function topLevelClassNames(source: string): string[] {
  const names: string[] = []
  // A module too large to parse is unreadable: it defines no class anyone can find.
  if (source.length > MAX_PYTHON_CHARS) return names
  const tree = parser.parse(source)
  const cursor = tree.cursor()
  if (!cursor.firstChild()) return names
  do {
    if (cursor.name !== 'ClassDefinition') continue
    const node = cursor.node
    const nameNode = node.getChild('VariableName')
    if (nameNode) names.push(source.slice(nameNode.from, nameNode.to))
  } while (cursor.nextSibling())
  return names
}
