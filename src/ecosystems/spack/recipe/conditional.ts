/** Pieces of build code that apply only under a condition (`@when` methods, `with when()` code). */

export interface ConditionalPiece {
  /** The spec condition under which the code applies. */
  when: string
  /** Names the piece in explanations and digest maps; unique within a recipe. */
  label: string
  /** Canonical text of the code (digested by the caller). */
  canonical: string
  line: number
}

/**
 * Make labels unique by appending ` #2`, ` #3` … in source order. Labels carry no line numbers:
 * a comment added above a block must not rename it (that would change spec digests).
 */
export function uniqueLabels(pieces: readonly ConditionalPiece[]): ConditionalPiece[] {
  const seen = new Map<string, number>()
  return pieces.map((piece) => {
    const count = (seen.get(piece.label) ?? 0) + 1
    seen.set(piece.label, count)
    return count === 1 ? piece : { ...piece, label: `${piece.label} #${count}` }
  })
}
