/**
 * Crash-safe writes: every file is written to a temp file in its final directory
 * (`<name>.tmp-<pid>-<random>`), flushed, then renamed into place, so a reader sees the old file
 * or the new one, never half of one. Renames within a directory are atomic on POSIX and NTFS.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { TEMP_MARKER } from './layout.js'

export function tempNameFor(path: string): string {
  return join(
    dirname(path),
    `${basename(path)}${TEMP_MARKER}-${process.pid}-${randomBytes(6).toString('hex')}`,
  )
}

/** Write `data` to `path` atomically, creating parent directories. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temp = tempNameFor(path)
  try {
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  await syncDirectory(dirname(path))
}

export interface StoredBlob {
  sha256: string
  size: number
  /** False when an identical blob was already in place. */
  written: boolean
}

/**
 * Copy `source` into `directory` under the sha256 of its content: streamed into a temp file while
 * hashing, flushed, then renamed to `<directory>/<hex>` unless a file of that name and size is
 * already there (same content, by construction). Errors reading `source` propagate untouched.
 */
export async function storeContentAddressed(
  source: string,
  directory: string,
): Promise<StoredBlob> {
  await mkdir(directory, { recursive: true })
  const temp = tempNameFor(join(directory, 'upload'))
  const hash = createHash('sha256')
  let size = 0
  try {
    const handle = await open(temp, 'wx')
    try {
      for await (const chunk of createReadStream(source) as AsyncIterable<Buffer>) {
        hash.update(chunk)
        size += chunk.length
        await handle.write(chunk)
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    const sha256 = hash.digest('hex')
    const target = join(directory, sha256)
    const existing = await stat(target).catch(() => undefined)
    if (existing?.isFile() && existing.size === size) {
      await rm(temp, { force: true })
      return { sha256, size, written: false }
    }
    await rename(temp, target)
    await syncDirectory(directory)
    return { sha256, size, written: true }
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** Flush a directory's entries (the rename) where the platform allows it; best effort. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return
  try {
    const handle = await open(directory, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    /* some file systems refuse fsync on directories; the rename is still atomic */
  }
}
