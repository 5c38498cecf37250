// The floor of a plan: the least work any planner must do to read the recipes at a revision —
// list the tree (`git ls-tree -r -z`), read every recipe blob through ONE `git cat-file --batch`
// process, and sha256 each blob in Node. Plan timings are reported as multiples of this.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'

/** Entries of `git ls-tree -r -z REV` whose path matches `match`: [{mode, type, oid, path}]. */
export function listTree(repo, rev = 'HEAD', match = /(^|\/)package\.py$/) {
  const r = spawnSync('git', ['ls-tree', '-r', '-z', rev], { cwd: repo, maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`git ls-tree -r -z ${rev} failed: ${r.stderr}`)
  const out = []
  for (const rec of r.stdout.toString('utf8').split('\0')) {
    if (!rec) continue
    const tab = rec.indexOf('\t')
    const [mode, type, oid] = rec.slice(0, tab).split(' ')
    const path = rec.slice(tab + 1)
    if (type === 'blob' && match.test(path)) out.push({ mode, type, oid, path })
  }
  return out
}

/** Reads the blobs through one `git cat-file --batch`, hashing each with sha256 as it streams in. */
export function hashBlobs(repo, oids) {
  return new Promise((resolveP, rejectP) => {
    const child = spawn('git', ['cat-file', '--batch'], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const digests = []
    let bytes = 0
    let stderr = ''
    // parser state: a header line `<oid> blob <size>`, then <size> content bytes and one newline
    let header = Buffer.alloc(0)
    let hash = null
    let left = 0 // content + trailing newline still to consume
    child.stdout.on('data', (chunk) => {
      let i = 0
      while (i < chunk.length) {
        if (hash === null) {
          const nl = chunk.indexOf(10, i)
          if (nl < 0) {
            header = Buffer.concat([header, chunk.subarray(i)])
            return
          }
          const line = Buffer.concat([header, chunk.subarray(i, nl)]).toString('latin1')
          header = Buffer.alloc(0)
          i = nl + 1
          const parts = line.split(' ')
          if (parts[1] === 'missing') {
            child.kill()
            rejectP(new Error(`git cat-file: missing object ${parts[0]}`))
            return
          }
          const size = Number(parts[2])
          bytes += size
          hash = createHash('sha256')
          left = size + 1
        }
        const take = Math.min(left, chunk.length - i)
        // the last byte of the record is the newline git adds: not content
        const content = Math.min(take, left - 1)
        if (content > 0) hash.update(chunk.subarray(i, i + content))
        left -= take
        i += take
        if (left === 0) {
          digests.push(hash.digest('hex'))
          hash = null
        }
      }
    })
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', rejectP)
    child.on('close', (code) => {
      if (code !== 0) rejectP(new Error(`git cat-file --batch exited ${code}: ${stderr}`))
      else if (digests.length !== oids.length)
        rejectP(new Error(`git cat-file --batch: read ${digests.length} of ${oids.length} blobs`))
      else resolveP({ digests, bytes })
    })
    child.stdin.end(oids.join('\n') + '\n')
  })
}

/**
 * One floor measurement: ls-tree + cat-file --batch of every package.py + sha256 each.
 * Returns { seconds, files, bytes }.
 */
export async function measureFloor(repo, { rev = 'HEAD', match } = {}) {
  const t0 = performance.now()
  const entries = listTree(repo, rev, match)
  const { bytes } = await hashBlobs(
    repo,
    entries.map((e) => e.oid),
  )
  const seconds = (performance.now() - t0) / 1000
  return { seconds, files: entries.length, bytes }
}
