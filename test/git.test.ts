import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import { createGit, WORKTREE } from '../src/git/index.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'

const fixtures: GitFixture[] = []
async function fixture(
  files?: Record<string, string | Uint8Array>,
  options?: Parameters<typeof createGitFixture>[1],
) {
  const f = await createGitFixture(files, options)
  fixtures.push(f)
  return f
}
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.cleanup()))
})

const HOSTILE = {
  'with space.txt': 'space\n',
  'tab\tname': 'tab\n',
  'new\nline': 'newline\n',
  'quote"d\'.txt': 'quote\n',
  'ünï/日本語.txt': 'unicode\n',
  '-leading-dash': 'dash\n',
}

async function thrown(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof UserError) return error
    throw error
  }
  throw new Error('expected a UserError')
}

describe('createGit', () => {
  it('rejects a directory that is not a repository', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'binary-check-nogit-'))
    try {
      const error = await thrown(createGit(dir))
      expect(error.kind).toBe('git')
      expect(error.message).toBe(
        `${dir}: not a git repository (expected a checkout of the recipe repository)`,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('revParse / mergeBase', () => {
  it('resolves revisions to full ids and names a missing one verbatim', async () => {
    const f = await fixture({ a: '1' })
    const first = (await f.git('rev-parse', 'HEAD')).trim()
    await f.write('a', '2')
    const second = await f.commit('two')
    const git = await createGit(f.dir)
    expect(await git.revParse('HEAD')).toBe(second)
    expect(await git.revParse('HEAD~1')).toBe(first)
    expect(await git.revParse(first.slice(0, 10))).toBe(first)
    expect(await git.tryRevParse('nope')).toBeUndefined()
    expect(await git.tryRevParse('--output=x')).toBeUndefined()
    expect((await thrown(git.revParse('nope'))).message).toBe(
      `--base nope: not a commit in ${f.dir}`,
    )
    expect((await thrown(git.revParse('main~5', '--head'))).message).toBe(
      `--head main~5: not a commit in ${f.dir}`,
    )
    const missing = 'b'.repeat(40)
    expect((await thrown(git.revParse(missing))).message).toBe(
      `--base ${missing}: not a commit in ${f.dir}`,
    )
    expect(await git.mergeBase(first, second)).toBe(first)
    expect(await git.isShallow()).toBe(false)
  })

  it('finds no merge base for unrelated histories', async () => {
    const f = await fixture({ a: '1' })
    const main = (await f.git('rev-parse', 'HEAD')).trim()
    await f.git('checkout', '--quiet', '--orphan', 'other')
    await f.write('b', '2')
    const other = await f.commit('other root')
    const git = await createGit(f.dir)
    expect(await git.mergeBase(main, other)).toBeNull()
  })
})

describe('changedFiles', () => {
  it('reports adds, modifications, deletions and renames (old and new path)', async () => {
    const f = await fixture({
      'keep.txt': 'keep\n',
      'edit.txt': 'before\n',
      'gone.txt': 'gone\n',
      'pkg/old name.py':
        'a fairly long line so that rename detection has content to match\n'.repeat(5),
    })
    const base = (await f.git('rev-parse', 'HEAD')).trim()
    await f.write('edit.txt', 'after\n')
    await f.remove('gone.txt')
    await f.write('new.txt', 'new\n')
    await f.rename('pkg/old name.py', 'pkg2/new\nname.py')
    const head = await f.commit('change')
    const git = await createGit(f.dir)
    const changes = await git.changedFiles(base, head)
    expect(changes).toEqual([
      { status: 'M', path: 'edit.txt' },
      { status: 'D', path: 'gone.txt' },
      { status: 'A', path: 'new.txt' },
      { status: 'R', path: 'pkg2/new\nname.py', oldPath: 'pkg/old name.py', similarity: 100 },
    ])
    expect(await git.changedFiles(head, head)).toEqual([])
  })

  it('handles hostile names', async () => {
    const f = await fixture({ seed: 'x' })
    const base = (await f.git('rev-parse', 'HEAD')).trim()
    for (const [path, content] of Object.entries(HOSTILE)) await f.write(path, content)
    const head = await f.commit('hostile')
    const git = await createGit(f.dir)
    const changes = await git.changedFiles(base, head)
    expect(changes.map((c) => c.path).sort()).toEqual(Object.keys(HOSTILE).sort())
    expect(changes.every((c) => c.status === 'A')).toBe(true)
  })

  it('compares against the working tree: staged, unstaged and untracked, not ignored', async () => {
    const f = await fixture({
      '.gitignore': 'build/\n*.log\n',
      'a.txt': 'a\n',
      'b.txt': 'b\n',
      'c.txt': 'c\n',
    })
    const base = (await f.git('rev-parse', 'HEAD')).trim()
    await f.write('a.txt', 'a2\n') // unstaged
    await f.write('b.txt', 'b2\n')
    await f.git('add', 'b.txt') // staged
    await f.remove('c.txt')
    await f.write('untracked dir/new file.txt', 'u\n')
    await f.write('build/out.bin', 'ignored')
    await f.write('debug.log', 'ignored')
    const statusBefore = await f.git('status', '--porcelain=v1', '-z')
    const git = await createGit(f.dir)
    const changes = await git.changedFiles(base, WORKTREE)
    expect(changes).toEqual([
      { status: 'M', path: 'a.txt' },
      { status: 'M', path: 'b.txt' },
      { status: 'D', path: 'c.txt' },
      { status: 'A', path: 'untracked dir/new file.txt' },
    ])
    // The user's index is untouched.
    expect(await f.git('status', '--porcelain=v1', '-z')).toBe(statusBefore)
  })

  it('detects a rename into an untracked file in the working tree', async () => {
    const content =
      'enough text for git to call this a rename rather than a delete and an add\n'.repeat(4)
    const f = await fixture({ 'old.py': content })
    const base = (await f.git('rev-parse', 'HEAD')).trim()
    await f.rename('old.py', 'moved/new.py')
    const git = await createGit(f.dir)
    expect(await git.changedFiles(base, WORKTREE)).toEqual([
      { status: 'R', path: 'moved/new.py', oldPath: 'old.py', similarity: 100 },
    ])
  })
})

describe('lsTree', () => {
  it('lists a commit recursively, from the root, with modes and ids', async () => {
    const f = await fixture({ 'a.txt': 'a\n', 'dir/b.sh': '#!/bin/sh\n', ...HOSTILE })
    await chmod(join(f.dir, 'dir/b.sh'), 0o755)
    const head = await f.commit('exec bit')
    const git = await createGit(f.dir)
    const entries = await git.lsTree(head)
    expect(entries.map((e) => e.path).sort()).toEqual(
      ['a.txt', 'dir/b.sh', ...Object.keys(HOSTILE)].sort(),
    )
    const a = entries.find((e) => e.path === 'a.txt')
    expect(a).toEqual({
      path: 'a.txt',
      mode: '100644',
      type: 'blob',
      oid: (await f.git('rev-parse', 'HEAD:a.txt')).trim(),
    })
    expect(entries.find((e) => e.path === 'dir/b.sh')?.mode).toBe('100755')
    // --full-tree: the same from a subdirectory
    const fromSub = await createGit(join(f.dir, 'dir'))
    expect(await fromSub.lsTree(head)).toEqual(entries)
  })

  it('filters by literal paths (directories, files, glob characters taken literally)', async () => {
    const f = await fixture({
      'pkgs/a/package.py': 'a',
      'pkgs/b/package.py': 'b',
      'pkgs/[x]/p': 'x',
      'top.txt': 't',
    })
    const git = await createGit(f.dir)
    const paths = async (p: string[]) => (await git.lsTree('HEAD', p)).map((e) => e.path)
    expect(await paths(['pkgs/a', 'top.txt'])).toEqual(['pkgs/a/package.py', 'top.txt'])
    expect(await paths(['pkgs/*'])).toEqual([])
    expect(await paths(['pkgs/[x]'])).toEqual(['pkgs/[x]/p'])
    expect(await paths([])).toEqual([])
    expect(await paths(['does/not/exist'])).toEqual([])
  })

  it('lists the working tree with ids git would commit, and readBlobs can read them', async () => {
    const f = await fixture({ '.gitignore': '*.log\n', 'a.txt': 'a\n', 'b.txt': 'b\n' })
    await f.write('a.txt', 'changed\n')
    await f.remove('b.txt')
    await f.write('new file.txt', 'new\n')
    await f.write('x.log', 'ignored')
    const git = await createGit(f.dir)
    const atHead = await git.lsTree('HEAD')
    const worktree = await git.lsTree(WORKTREE)
    expect(atHead.map((e) => e.path)).toEqual(['.gitignore', 'a.txt', 'b.txt'])
    expect(worktree.map((e) => e.path)).toEqual(['.gitignore', 'a.txt', 'new file.txt'])
    const blobs = await git.readBlobs(worktree.map((e) => e.oid))
    expect(worktree.map((e) => blobs.get(e.oid)?.toString())).toEqual([
      '*.log\n',
      'changed\n',
      'new\n',
    ])
    expect((await git.lsTree(WORKTREE, ['new file.txt'])).map((e) => e.path)).toEqual([
      'new file.txt',
    ])
  })

  it('names a missing revision', async () => {
    const f = await fixture({ a: 'a' })
    const git = await createGit(f.dir)
    await expect(git.lsTree('no-such-rev')).rejects.toThrow(/ls-tree/)
  })
})

describe('readBlobs', () => {
  it('reads text, binary and empty blobs, deduplicating ids', async () => {
    const binary = randomBytes(200_000)
    binary[0] = 0
    binary[1] = 10
    const f = await fixture({
      'text.txt': 'hello\nworld\n',
      'bin.dat': binary,
      empty: '',
      'nl-only': '\n',
    })
    const git = await createGit(f.dir)
    const entries = await git.lsTree('HEAD')
    const oidOf = (p: string) => entries.find((e) => e.path === p)?.oid as string
    const blobs = await git.readBlobs([
      oidOf('text.txt'),
      oidOf('bin.dat'),
      oidOf('empty'),
      oidOf('nl-only'),
      oidOf('empty'),
    ])
    expect(blobs.size).toBe(4)
    expect(blobs.get(oidOf('text.txt'))?.toString()).toBe('hello\nworld\n')
    expect(blobs.get(oidOf('bin.dat'))?.equals(binary)).toBe(true)
    expect(blobs.get(oidOf('empty'))?.length).toBe(0)
    expect(blobs.get(oidOf('nl-only'))?.toString()).toBe('\n')
    expect((await git.readBlobs([])).size).toBe(0)
  })

  it('fails on missing objects and on ids that are not full ids', async () => {
    const f = await fixture({ a: 'a' })
    const git = await createGit(f.dir)
    await expect(git.readBlobs(['c'.repeat(40)])).rejects.toThrow(
      /1 object\(s\) missing from .*: c{40}/,
    )
    await expect(git.readBlobs(['abc'])).rejects.toThrow(/not a full object id/)
    const tree = (await f.git('rev-parse', 'HEAD^{tree}')).trim()
    await expect(git.readBlobs([tree])).rejects.toThrow(/not blobs: .* \(tree\)/)
  })

  it('reads 9,000 blobs through one process quickly', async () => {
    const f = await fixture()
    const files = new Map<string, string>()
    for (let i = 0; i < 9000; i++)
      files.set(`pkgs/p${i % 300}/f ${i}.txt`, `content ${i}\n${'x'.repeat(i % 500)}`)
    // fast-import writes one pack: much faster than 9,000 files plus `git add`.
    let stream = ''
    let mark = 0
    for (const content of files.values())
      stream += `blob\nmark :${++mark}\ndata ${Buffer.byteLength(content)}\n${content}\n`
    stream +=
      'commit refs/heads/main\ncommitter Fixture <f@example.invalid> 1704067200 +0000\ndata 5\nmany\n'
    mark = 0
    for (const path of files.keys()) stream += `M 100644 :${++mark} "${path}"\n`
    await f.gitInput(stream, 'fast-import', '--quiet')
    const git = await createGit(f.dir)
    const entries = await git.lsTree('main')
    expect(entries).toHaveLength(9000)
    const started = performance.now()
    const blobs = await git.readBlobs(entries.map((e) => e.oid))
    const elapsed = performance.now() - started
    expect(blobs.size).toBe(9000)
    for (const e of entries) expect(blobs.get(e.oid)?.toString()).toBe(files.get(e.path))
    expect(elapsed).toBeLessThan(5_000)
  })
})

describe('SHA-256 repositories', () => {
  it('works with 64-hex object ids', async () => {
    const f = await fixture(
      { 'a.txt': 'a\n', 'b.bin': Buffer.from([0, 1, 2, 10]) },
      { objectFormat: 'sha256' },
    )
    const base = (await f.git('rev-parse', 'HEAD')).trim()
    expect(base).toMatch(/^[0-9a-f]{64}$/)
    await f.rename('a.txt', 'c.txt')
    const head = await f.commit('rename')
    const git = await createGit(f.dir)
    expect(await git.revParse('HEAD')).toBe(head)
    expect(await git.changedFiles(base, head)).toEqual([
      { status: 'R', path: 'c.txt', oldPath: 'a.txt', similarity: 100 },
    ])
    const entries = await git.lsTree(WORKTREE)
    expect(entries.every((e) => /^[0-9a-f]{64}$/.test(e.oid))).toBe(true)
    const blobs = await git.readBlobs(entries.map((e) => e.oid))
    expect([...blobs.values()].map((b) => [...b])).toEqual([[0, 1, 2, 10], [...Buffer.from('a\n')]])
  })
})
