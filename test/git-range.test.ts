import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import { createGit, NO_BASE_NOTE, resolveRange, type GitHubEventContext } from '../src/git/index.js'
import { createGitFixture, runGit, type GitFixture } from './support/git-fixture.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()))
})
async function fixture(files?: Record<string, string>): Promise<GitFixture> {
  const f = await createGitFixture(files)
  cleanups.push(() => f.cleanup())
  return f
}
async function shallowClone(origin: GitFixture, depth = 1): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'binary-check-clone-'))
  cleanups.push(() => rm(parent, { recursive: true, force: true }))
  const dir = join(parent, 'clone')
  await runGit(parent, [
    'clone',
    '--quiet',
    `--depth=${depth}`,
    '--branch',
    'main',
    `file://${origin.dir}`,
    dir,
  ])
  return dir
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

/** main: c1 - c2 - c3 ; feature (from c2): f1 - f2 */
async function branchy() {
  const f = await fixture({ 'pkgs/a/package.py': 'a = 1\n', 'pkgs/b/package.py': 'b = 1\n' })
  const c1 = (await f.git('rev-parse', 'HEAD')).trim()
  await f.write('pkgs/a/package.py', 'a = 2\n')
  const c2 = await f.commit('c2')
  await f.git('checkout', '--quiet', '-b', 'feature')
  await f.write('pkgs/b/package.py', 'b = 2\n')
  const f1 = await f.commit('f1')
  await f.write('pkgs/c/package.py', 'c = 1\n')
  const f2 = await f.commit('f2')
  await f.git('checkout', '--quiet', 'main')
  await f.write('pkgs/a/package.py', 'a = 3\n')
  const c3 = await f.commit('c3')
  return { f, c1, c2, c3, f1, f2 }
}

const push = (
  before: string,
  after: string,
  extra: Record<string, unknown> = {},
): GitHubEventContext => ({
  eventName: 'push',
  payload: { before, after, ...extra },
})
const pullRequest = (
  base: string,
  head: string,
  eventName = 'pull_request',
): GitHubEventContext => ({
  eventName,
  payload: { pull_request: { base: { sha: base }, head: { sha: head } } },
})
const ZERO = '0'.repeat(40)

describe('resolveRange without an event', () => {
  it('uses explicit revisions, HEAD by default, and no base when none is given', async () => {
    const { f, c1, c2, c3 } = await branchy()
    const git = await createGit(f.dir)
    expect(await resolveRange(git, { base: 'HEAD~2', head: c2 })).toEqual({ base: c1, head: c2 })
    expect(await resolveRange(git, { base: c1 })).toEqual({ base: c1, head: c3 })
    expect(await resolveRange(git, {})).toEqual({
      base: null,
      head: c3,
      note: 'no base commit given: comparing against the mirror only',
    })
  })

  it('names a missing explicit revision verbatim', async () => {
    const { f } = await branchy()
    const git = await createGit(f.dir)
    expect((await thrown(resolveRange(git, { base: 'nope' }))).message).toBe(
      `--base nope: not a commit in ${f.dir}`,
    )
    expect((await thrown(resolveRange(git, { base: 'HEAD', head: 'v9' }))).message).toBe(
      `--head v9: not a commit in ${f.dir}`,
    )
  })
})

describe('resolveRange from a GitHub event', () => {
  it('push: before → after', async () => {
    const { f, c2, c3 } = await branchy()
    const git = await createGit(f.dir)
    expect(await resolveRange(git, { event: push(c2, c3) })).toEqual({ base: c2, head: c3 })
  })

  it('push: explicit revisions win over the event', async () => {
    const { f, c1, c2, c3 } = await branchy()
    const git = await createGit(f.dir)
    expect(await resolveRange(git, { base: c1, event: push(c2, c3) })).toEqual({
      base: c1,
      head: c3,
    })
    expect(await resolveRange(git, { base: c1, head: c2, event: push(c2, c3) })).toEqual({
      base: c1,
      head: c2,
    })
  })

  it('push: a zero before (first push) or created: true means no base', async () => {
    const { f, c2, c3 } = await branchy()
    const git = await createGit(f.dir)
    expect(await resolveRange(git, { event: push(ZERO, c3) })).toEqual({
      base: null,
      head: c3,
      note: NO_BASE_NOTE,
    })
    expect(await resolveRange(git, { event: push(c2, c3, { created: true }) })).toEqual({
      base: null,
      head: c3,
      note: 'no base commit (first push): comparing against the mirror only',
    })
  })

  it('push: a force push compares the two trees', async () => {
    const { f, c3, f2 } = await branchy()
    const git = await createGit(f.dir)
    // feature was force-pushed to main's c3: f2 is not an ancestor of c3
    expect(await git.mergeBase(f2, c3)).not.toBe(f2)
    const range = await resolveRange(git, { event: push(f2, c3) })
    expect(range).toEqual({ base: f2, head: c3 })
    const changes = await git.changedFiles(range.base as string, range.head)
    expect(changes.map((c) => `${c.status} ${c.path}`)).toEqual([
      'M pkgs/a/package.py',
      'M pkgs/b/package.py',
      'D pkgs/c/package.py',
    ])
  })

  it('push: a deleted ref and a malformed payload are input errors', async () => {
    const { f, c3 } = await branchy()
    const git = await createGit(f.dir)
    expect((await thrown(resolveRange(git, { event: push(c3, ZERO) }))).message).toBe(
      'push event after: is the zero sha (a deleted ref): there is nothing to build',
    )
    const bad = await thrown(
      resolveRange(git, { event: { eventName: 'push', payload: { before: c3, after: 'main' } } }),
    )
    expect(bad.kind).toBe('input')
    expect(bad.message).toBe('push event after: expected a full commit sha')
    const missing = await thrown(
      resolveRange(git, { event: { eventName: 'pull_request', payload: {} } }),
    )
    expect(missing.message).toBe('pull_request event pull_request: expected object')
  })

  it('pull_request and pull_request_target: the merge base of base and head', async () => {
    const { f, c2, c3, f2 } = await branchy()
    const git = await createGit(f.dir)
    expect(await resolveRange(git, { event: pullRequest(c3, f2) })).toEqual({ base: c2, head: f2 })
    expect(await resolveRange(git, { event: pullRequest(c3, f2, 'pull_request_target') })).toEqual({
      base: c2,
      head: f2,
    })
  })

  it('pull_request with unrelated histories compares against the base sha, with a note', async () => {
    const { f, c3 } = await branchy()
    await f.git('checkout', '--quiet', '--orphan', 'island')
    await f.write('x', 'x')
    const island = await f.commit('island')
    const git = await createGit(f.dir)
    expect(await resolveRange(git, { event: pullRequest(c3, island) })).toEqual({
      base: c3,
      head: island,
      note: `no merge base of ${c3} and ${island}: comparing against ${c3}`,
    })
  })

  it('merge_group: base_sha → head_sha', async () => {
    const { f, c1, c3 } = await branchy()
    const git = await createGit(f.dir)
    const event = {
      eventName: 'merge_group',
      payload: { merge_group: { base_sha: c1, head_sha: c3 } },
    }
    expect(await resolveRange(git, { event })).toEqual({ base: c1, head: c3 })
  })

  it('other events name no base', async () => {
    const { f, c3 } = await branchy()
    const git = await createGit(f.dir)
    expect(
      await resolveRange(git, { event: { eventName: 'workflow_dispatch', payload: {} } }),
    ).toEqual({
      base: null,
      head: c3,
      note: 'a workflow_dispatch event names no base commit: comparing against the mirror only',
    })
  })

  it('a base missing from a complete clone is an error, verbatim', async () => {
    const { f, c3 } = await branchy()
    const git = await createGit(f.dir)
    const missing = 'e'.repeat(40)
    const error = await thrown(resolveRange(git, { event: push(missing, c3) }))
    expect(error.kind).toBe('git')
    expect(error.message).toBe(
      `base ${missing}: commit not found in ${f.dir} (fetch it or use --base)`,
    )
  })

  it('a base the remote does not have is an error in a complete clone too', async () => {
    const { f, c3 } = await branchy()
    const parent = await mkdtemp(join(tmpdir(), 'binary-check-clone-'))
    cleanups.push(() => rm(parent, { recursive: true, force: true }))
    const dir = join(parent, 'full')
    await runGit(parent, ['clone', '--quiet', `file://${f.dir}`, dir])
    const git = await createGit(dir)
    const missing = 'e'.repeat(40)
    expect((await thrown(resolveRange(git, { event: push(missing, c3) }))).message).toBe(
      `base ${missing}: commit not found in ${dir} (fetch it or use --base)`,
    )
  })
})

describe('resolveRange in a shallow clone', () => {
  async function fiveCommits() {
    const origin = await fixture({ 'f.txt': '1\n' })
    const shas = [(await origin.git('rev-parse', 'HEAD')).trim()]
    for (let i = 2; i <= 5; i++) {
      await origin.write('f.txt', `${i}\n`)
      shas.push(await origin.commit(`c${i}`))
    }
    return { origin, shas }
  }

  it('deepens, doubling, until the base 3 commits back exists', async () => {
    const { origin, shas } = await fiveCommits()
    const dir = await shallowClone(origin)
    const git = await createGit(dir)
    expect(await git.isShallow()).toBe(true)
    const [, c2, , , c5] = shas as [string, string, string, string, string]
    expect(await git.tryRevParse(c2)).toBeUndefined()
    const range = await resolveRange(git, {
      event: push(c2, c5),
      deepen: { initial: 1, maxTries: 5, maxCommits: 1000 },
    })
    expect(range).toEqual({ base: c2, head: c5 })
    // deepened by 1 then 2: c5 + 3 more commits, c1 still absent
    expect(await git.tryRevParse(c2)).toBe(c2)
    expect(Number((await runGit(dir, ['rev-list', '--count', 'HEAD'])).trim())).toBe(4)
    expect(await git.isShallow()).toBe(true)
  })

  it('deepens to find a pull request merge base', async () => {
    const { f, c2, c3, f2 } = await branchy()
    const dir = await shallowClone(f)
    await runGit(dir, ['fetch', '--quiet', '--depth=1', 'origin', 'feature'])
    const git = await createGit(dir)
    expect(await git.mergeBase(c3, f2)).toBeNull()
    expect(await resolveRange(git, { event: pullRequest(c3, f2) })).toEqual({ base: c2, head: f2 })
  })

  it('deepens for an explicit --base too', async () => {
    const { origin, shas } = await fiveCommits()
    const dir = await shallowClone(origin)
    const git = await createGit(dir)
    expect(await resolveRange(git, { base: shas[0] as string })).toEqual({
      base: shas[0],
      head: shas[4],
    })
  })

  it('stops deepening when the fetch fails, and says why', async () => {
    const { origin, shas } = await fiveCommits()
    const dir = await shallowClone(origin)
    await runGit(dir, ['remote', 'remove', 'origin'])
    const git = await createGit(dir)
    const range = await resolveRange(git, { event: push(shas[2] as string, shas[4] as string) })
    expect(range.base).toBeNull()
    expect(range.note).toMatch(
      new RegExp(
        `^base commit ${shas[2]} not found after deepening the shallow clone by 0 commits \\(git fetch --deepen failed: .*origin.*\\): comparing against the mirror only$`,
      ),
    )
    const explicit = await thrown(resolveRange(git, { base: shas[2] as string }))
    expect(explicit.message).toBe(`--base ${shas[2]}: not a commit in ${dir}`)
  })

  it('falls back to no base, with a note, when deepening cannot find it', async () => {
    const { origin, shas } = await fiveCommits()
    const dir = await shallowClone(origin)
    const git = await createGit(dir)
    const missing = 'd'.repeat(40)
    const range = await resolveRange(git, {
      event: push(missing, shas[4] as string),
      deepen: { initial: 1, maxTries: 2, maxCommits: 100 },
    })
    expect(range).toEqual({
      base: null,
      head: shas[4],
      note: `base commit ${missing} not found after deepening the shallow clone by 3 commits: comparing against the mirror only`,
    })
  })
})
