/**
 * A `spack.lock`'s text from its blob: gunzipped when the path ends in `.gz`, and never more than
 * `MAX_LOCK_BYTES` either way, so a small gzip that inflates to gigabytes (a zip bomb) ends in a
 * one-line error instead of exhausting memory. Pure.
 */
import { gunzipSync } from 'node:zlib'
import { UserError } from '../../core/errors.js'

/** The largest lockfile read (compressed or not): 128 MiB, ~100,000 concrete specs. */
export const MAX_LOCK_BYTES = 128 * 2 ** 20

const MIB = 2 ** 20

export function lockTextOf(bytes: Buffer, path: string): string {
  const limit = `more than the ${MAX_LOCK_BYTES / MIB} MiB binary-check reads`
  if (bytes.length > MAX_LOCK_BYTES)
    throw new UserError('lockfile', path, `is ${(bytes.length / MIB).toFixed(0)} MiB, ${limit}`)
  if (!path.endsWith('.gz')) return bytes.toString('utf8')
  let text: Buffer
  try {
    text = gunzipSync(bytes, { maxOutputLength: MAX_LOCK_BYTES })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new UserError('lockfile', path, `inflates to ${limit}`)
    throw new UserError('lockfile', path, `is not valid gzip (${(error as Error).message})`)
  }
  return text.toString('utf8')
}
