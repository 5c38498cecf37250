// Fails when the committed dist/ (or schema/) differs from a fresh build of src/.
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = await mkdtemp(join(tmpdir(), 'binary-check-dist-'))
try {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], { stdio: 'inherit' })
  const stale = []
  for (const dir of ['dist', 'schema']) {
    const fresh = await readdir(join(out, dir))
    let committed = []
    try {
      committed = await readdir(join(root, dir))
    } catch {
      // no committed directory: everything is stale
    }
    for (const f of new Set([...fresh, ...committed])) {
      const a = await readFile(join(out, dir, f)).catch(() => null)
      const b = await readFile(join(root, dir, f)).catch(() => null)
      if (!a || !b || !a.equals(b)) stale.push(`${dir}/${f}`)
    }
  }
  if (stale.length > 0) {
    console.error(
      `check-dist: stale or missing: ${stale.join(', ')}. Run 'npm run build' and commit the result.`,
    )
    process.exit(1)
  }
  console.log('check-dist: dist/ and schema/ match a fresh build')
} finally {
  await rm(out, { recursive: true, force: true })
}
