/**
 * How much of a mirror binary-check reads at most, so that a corrupt or hostile index, entry or
 * manifest ends in a one-line error (or a skipped-entry warning) instead of exhausting memory.
 *
 * Real sizes (the 9,841 default specs of spack-packages): an entry holds its digest inputs, at
 * most ~12 KB (`py-nltk`); an index of every such entry ~30 MB.
 */
import { open } from 'node:fs/promises'

const MIB = 2 ** 20

/** `index.json` and an `oci://` mirror's index blob: 256 MiB. */
export const MAX_INDEX_BYTES = 256 * MIB
/** One entry file (`entries/…`, `history/…`) and an `oci://` spec's entry blob: 1 MiB. */
export const MAX_ENTRY_BYTES = MIB
/** One OCI manifest: 4 MiB, what the distribution spec asks registries to accept. */
export const MAX_MANIFEST_BYTES = 4 * MIB

/** `12.3 MiB`, `512 KiB`, `100 bytes`. */
export function formatBytes(n: number): string {
  if (n >= MIB) return `${Number((n / MIB).toFixed(1))} MiB`
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KiB`
  return `${n} bytes`
}

/** What a reader says of something over its limit: `is 100 MiB, more than the 1 MiB …`. */
export function tooLarge(size: number, max: number, what: string): string {
  return `is ${formatBytes(size)}, more than the ${formatBytes(max)} binary-check reads for ${what}`
}

/**
 * A file's text, or its size when it is larger than `max` bytes (then nothing is read). Errors
 * (ENOENT …) are thrown as `readFile` throws them.
 */
export async function readTextAtMost(
  path: string,
  max: number,
): Promise<string | { size: number }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    if (size > max) return { size }
    return await handle.readFile({ encoding: 'utf8' })
  } finally {
    await handle.close()
  }
}
