/**
 * The plan as compact JSON, in pieces: a Spack-scale plan is tens of megabytes of JSON, and one
 * `JSON.stringify` of it holds the whole text (and its intermediate buffers) in memory at once.
 * The pieces, joined, are exactly `JSON.stringify(plan) + "\n"` for a plain-data plan; each
 * top-level array is encoded per element, and the pieces come in batches of about `batchChars`
 * characters.
 */
export function* planJsonPieces(plan: object, batchChars = 1 << 20): Generator<string> {
  let batch = '{'
  const flush = function* (): Generator<string> {
    if (batch.length < batchChars) return
    yield batch
    batch = ''
  }
  let first = true
  for (const [key, value] of Object.entries(plan) as [string, unknown][]) {
    // What JSON.stringify leaves out of an object.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue
    batch += `${first ? '' : ','}${JSON.stringify(key)}:`
    first = false
    if (!Array.isArray(value)) {
      batch += JSON.stringify(value)
      yield* flush()
      continue
    }
    batch += '['
    for (let i = 0; i < value.length; i++) {
      batch += `${i > 0 ? ',' : ''}${JSON.stringify(value[i]) ?? 'null'}`
      yield* flush()
    }
    batch += ']'
  }
  batch += '}\n'
  yield batch
}
