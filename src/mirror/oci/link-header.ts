/** The `Link` header of a paginated tag list (RFC 8288). Pure. */

/**
 * The target of the `rel="next"` link in a `Link` header, resolved against `base` (the URL of
 * the request that returned it), or undefined when there is no next page. Handles several links
 * in one header, `rel=next` unquoted and rel lists (`rel="next last"`).
 */
export function parseLinkNext(header: string | null | undefined, base: string): string | undefined {
  if (!header) return undefined
  for (const link of splitLinks(header)) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(link)
    if (!m) continue
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2]!)
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/)
    if (!rels.includes('next')) continue
    try {
      return new URL(m[1]!, base).href
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Split at commas outside `<…>` and quotes. */
function splitLinks(header: string): string[] {
  const out: string[] = []
  let current = ''
  let inAngle = false
  let inQuote = false
  for (const ch of header) {
    if (ch === '<' && !inQuote) inAngle = true
    else if (ch === '>' && !inQuote) inAngle = false
    else if (ch === '"' && !inAngle) inQuote = !inQuote
    if (ch === ',' && !inAngle && !inQuote) {
      out.push(current)
      current = ''
    } else current += ch
  }
  out.push(current)
  return out
}
