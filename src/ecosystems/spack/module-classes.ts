import { parser } from './recipe/grammar/parser.js'

/** Names of the classes defined at the top level of a Python module (parsed, not pattern-matched). */
export function topLevelClassNames(source: string): string[] {
  const tree = parser.parse(source)
  const names: string[] = []
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
