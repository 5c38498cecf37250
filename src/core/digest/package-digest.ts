import { DIGEST_ALGORITHM, digestOf, type Digest } from '../canonical-encode.js'
import type { Ecosystem, PackageDigestInputs } from '../model.js'

/** Assemble the named inputs of a package digest. */
export function packageDigestInputs(
  ecosystem: Ecosystem,
  recipe: Digest,
  bases: Record<string, Digest>,
  files: Record<string, string>,
): PackageDigestInputs {
  return { algorithm: DIGEST_ALGORITHM, ecosystem, recipe, bases, files }
}

/** Package digest = H(tag, ecosystem, canonical recipe, base classes, input files). */
export function computePackageDigest(inputs: PackageDigestInputs): Digest {
  return digestOf({ ...inputs })
}
