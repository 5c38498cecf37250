/**
 * Read many objects with ONE `git cat-file --batch --buffer` process: ids are streamed to its
 * stdin, its stdout is parsed as it arrives (binary-safe framing, `CatFileBatchParser`).
 */
import { CatFileBatchParser, isObjectId, type ObjectId } from './output.js'
import { GitCommandError, type GitRunner } from './runner.js'

export async function readBlobsBatch(
  runner: GitRunner,
  oids: readonly string[],
): Promise<Map<ObjectId, Buffer>> {
  const wanted = [...new Set(oids)]
  for (const oid of wanted) {
    if (!isObjectId(oid)) throw new Error(`readBlobs: not a full object id: ${JSON.stringify(oid)}`)
  }
  const blobs = new Map<ObjectId, Buffer>()
  if (wanted.length === 0) return blobs

  const args = ['cat-file', '--batch', '--buffer']
  const child = runner.spawnStream(args)
  const parser = new CatFileBatchParser()
  const missing: string[] = []
  const notBlobs: string[] = []
  const stderr: Buffer[] = []
  let parseError: unknown

  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.stdout?.on('data', (chunk: Buffer) => {
      if (parseError !== undefined) return
      try {
        for (const record of parser.push(chunk)) {
          if ('missing' in record) missing.push(record.oid)
          else if (record.type !== 'blob') notBlobs.push(`${record.oid} (${record.type})`)
          else blobs.set(record.oid, record.content)
        }
      } catch (error) {
        parseError = error
        child.kill()
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('close', (code) => {
      if (parseError !== undefined) return reject(parseError)
      if (code !== 0)
        return reject(new GitCommandError(args, code, Buffer.concat(stderr).toString('utf8')))
      try {
        parser.end()
      } catch (error) {
        return reject(error)
      }
      resolve()
    })
  })

  const stdin = child.stdin
  if (stdin === null) throw new Error('readBlobs: git cat-file has no stdin')
  stdin.on('error', () => {
    /* git exited early: the close handler reports why */
  })
  // One write of all ids: node buffers it and git consumes it while we read its output.
  stdin.end(`${wanted.join('\n')}\n`)
  await done

  if (missing.length > 0) {
    throw new Error(
      `readBlobs: ${missing.length} object(s) missing from ${runner.dir}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    )
  }
  if (notBlobs.length > 0)
    throw new Error(`readBlobs: not blobs: ${notBlobs.slice(0, 5).join(', ')}`)
  if (blobs.size !== wanted.length) {
    throw new Error(`readBlobs: asked git for ${wanted.length} objects, got ${blobs.size}`)
  }
  return blobs
}
