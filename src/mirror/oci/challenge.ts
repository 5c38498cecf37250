/** `WWW-Authenticate` challenges (RFC 7235), as registries send them. Pure. */

export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`, … */
  scheme: string
  /** Parameters with lower-case names: `realm`, `service`, `scope`, `error`, … */
  params: Record<string, string>
}

/**
 * The challenges of a `WWW-Authenticate` header, in order. Parameter values may be quoted (with
 * `\` escapes) or tokens; a scope such as `repository:a/b:pull,push` contains commas inside its
 * quotes and stays whole.
 */
export function parseChallenge(header: string | null | undefined): Challenge[] {
  if (!header) return []
  const out: Challenge[] = []
  const re = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?=[\s,]|$)/y
  let i = 0
  while (i < header.length) {
    i = skip(header, i, /[\s,]/)
    if (i >= header.length) break
    re.lastIndex = i
    const m = re.exec(header)
    if (!m) break
    const challenge: Challenge = { scheme: m[1]!.toLowerCase(), params: {} }
    i = re.lastIndex
    i = readParams(header, i, challenge.params)
    out.push(challenge)
  }
  return out
}

/** Read `name=value` pairs from `i` until the next scheme; returns the new position. */
function readParams(text: string, start: number, params: Record<string, string>): number {
  let i = start
  for (;;) {
    i = skip(text, i, /[\s,]/)
    const m = /([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*/y
    m.lastIndex = i
    const name = m.exec(text)
    if (!name) return i
    i = m.lastIndex
    if (text[i] === '"') {
      let value = ''
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++
        value += text[i]
        i++
      }
      params[name[1]!.toLowerCase()] = value
      i++
    } else {
      const token = /[^\s,]*/y
      token.lastIndex = i
      params[name[1]!.toLowerCase()] = token.exec(text)![0]
      i = token.lastIndex
    }
  }
}

function skip(text: string, start: number, chars: RegExp): number {
  let i = start
  while (i < text.length && chars.test(text[i]!)) i++
  return i
}
