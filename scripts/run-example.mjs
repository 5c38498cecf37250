// Builds the bundled example's two commits (examples/spack-demo/repo, then .../change on top)
// into a temporary git repository and runs the bundled CLI's `plan` on them, the way a newcomer
// would on their own repository. Extra arguments go to `binary-check plan` (e.g. --format json).
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const example = join(root, 'examples/spack-demo')
const repo = mkdtempSync(join(tmpdir(), 'binary-check-example-'))
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'binary-check example',
  GIT_AUTHOR_EMAIL: 'example@binary-check.invalid',
  GIT_COMMITTER_NAME: 'binary-check example',
  GIT_COMMITTER_EMAIL: 'example@binary-check.invalid',
  GIT_AUTHOR_DATE: '2026-11-01T12:00:00Z',
  GIT_COMMITTER_DATE: '2026-11-01T12:00:00Z',
}
const git = (...args) =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
try {
  git('init', '-q', '-b', 'main')
  cpSync(join(example, 'repo'), repo, { recursive: true })
  git('add', '-A')
  git('commit', '-q', '-m', 'demo recipes')
  cpSync(join(example, 'change'), repo, { recursive: true })
  git('add', '-A')
  git('commit', '-q', '-m', 'zlib: --zlib-compat; curl: docs')
  const args = [
    'plan',
    '--repo',
    repo,
    '--base',
    'HEAD~1',
    '--head',
    'HEAD',
    '--no-cache',
    ...process.argv.slice(2),
  ]
  console.error(`$ binary-check ${args.join(' ')}\n`)
  execFileSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { stdio: 'inherit' })
} finally {
  rmSync(repo, { recursive: true, force: true })
}
