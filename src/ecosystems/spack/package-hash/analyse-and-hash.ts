/**
 * One parse of a recipe, two readers: the planner's analysis (directives, canonical digest) and
 * Spack's spec-independent `package_hash`. Parsing is most of the cost of both; `spack-hash` over a
 * whole repository needs both (the analysis gives the default spec).
 */
import type { RecipeAnalysis } from '../read-spack-packages.js'
import { cacheableRecipeAnalysis } from '../read-spack-packages.js'
import { parsePython, type PySource } from '../recipe/syntax.js'
import { isUserError } from '../../../core/errors.js'
import { specIndependentPackageHash, type SpecIndependentHash } from './package-hash.js'

export interface AnalysedAndHashed {
  analysis: RecipeAnalysis
  hash: SpecIndependentHash
}

export function analyseAndHashRecipe(text: string, path: string): AnalysedAndHashed {
  let parsed: PySource | undefined
  try {
    parsed = parsePython(text, path)
  } catch (e) {
    if (!isUserError(e)) throw e
    // unreadable: the analysis records it, the hash says why there is none
    return { analysis: cacheableRecipeAnalysis(text, path), hash: { error: e.oneLine() } }
  }
  return {
    analysis: cacheableRecipeAnalysis(text, path, parsed),
    hash: specIndependentPackageHash(text, path, parsed),
  }
}
