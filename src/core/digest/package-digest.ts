import { DIGEST_ALGORITHM, digestOf, type Digest } from '../canonical-encode.js'
import type { Ecosystem, Package, PackageDigestInputs } from '../model.js'

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

/**
 * What spec resolution reads of a package (versions, variants, dependencies, provides), without
 * source places: when it is equal at base and head, the package resolves to the same specs.
 */
export function computeResolutionDigest(pkg: Package): Digest {
  return digestOf({
    algorithm: DIGEST_ALGORITHM,
    versions: pkg.versions.map((v) => [v.version, v.deprecated, v.preferred]),
    variants: pkg.variants.map((v) => [
      v.name,
      v.default,
      v.values ?? null,
      v.multi ?? null,
      v.when ?? null,
    ]),
    dependencies: pkg.dependencies.map((d) => [d.spec, d.types, d.when ?? null]),
    provides: pkg.provides.map((p) => [p.specs, p.when ?? null]),
  })
}
