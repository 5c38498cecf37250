// What the benchmarks share: a median, and running the CLI with its peak RSS measured (GNU time
// when present, else a preloaded module recording process.resourceUsage().maxRSS at exit).
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function gnuTime() {
  for (const p of ['/usr/bin/time', '/bin/time']) {
    try {
      accessSync(p, constants.X_OK)
      const r = spawnSync(p, ['-f', '%M', 'true'], { encoding: 'utf8' })
      if (r.status === 0 && /^\d+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '')) return p
    } catch {
      // not there
    }
  }
  return null
}

/** GNU time's path, or null. */
export const TIME = gnuTime()

/**
 * How to run `node <cli> ...args` so its peak RSS lands in a file: `{ cmd, args, env, readRssMB,
 * cleanup }`. `readRssMB()` is null when it could not be measured.
 */
export function measuredCommand(cli, args, env = process.env) {
  const work = mkdtempSync(join(tmpdir(), 'bc-bench-run-'))
  const rssFile = join(work, 'rss')
  const childEnv = { ...env }
  let cmd
  let cmdArgs
  if (TIME) {
    cmd = TIME
    cmdArgs = ['-f', '%M', '-o', rssFile, process.execPath, cli, ...args]
  } else {
    const preload = `data:text/javascript,${encodeURIComponent(
      `import { writeFileSync } from 'node:fs'; process.on('exit', () => { try { writeFileSync(process.env.BC_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)) } catch {} })`,
    )}`
    cmd = process.execPath
    cmdArgs = ['--import', preload, cli, ...args]
    childEnv.BC_BENCH_RSS_FILE = rssFile
  }
  const readRssMB = () => {
    try {
      const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop())
      return Number.isFinite(kb) && kb > 0 ? kb / 1024 : null
    } catch {
      return null
    }
  }
  const cleanup = () => rmSync(work, { recursive: true, force: true })
  return { cmd, args: cmdArgs, env: childEnv, readRssMB, cleanup }
}
