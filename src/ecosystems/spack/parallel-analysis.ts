/**
 * Recipe analysis on every core: a cold plan parses thousands of recipes, and the parser is the
 * cost. The bundle re-enters itself as a worker (`isRecipeWorker()` is checked first by the entry
 * points); outcomes come back in job order, so the first failure is the same one a sequential run
 * would report. Unbundled (tests run the TypeScript sources) it stays on the main thread.
 */
import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { UserError, type ErrorKind } from '../../core/errors.js'
import { reportProgress } from '../../core/progress.js'

const MARK = 'binary-check:recipe-analysis-worker'
/** Below this many recipes a worker costs more to start than it saves. */
const MIN_JOBS_FOR_WORKERS = 256

export interface AnalysisJob {
  text: string
  path: string
}

type Outcome<T> = { ok: T } | { error: { kind: ErrorKind; place: string; message: string } }

export function isRecipeWorker(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true
}

/** What a worker can be asked to do with each job, by task name. */
export type WorkerTasks = Readonly<Record<string, (text: string, path: string) => unknown>>

/** The worker side: run its task on the jobs it was given, post the outcomes, done. */
export function runRecipeWorker(tasks: WorkerTasks): void {
  const { jobs, task } = workerData as { jobs: AnalysisJob[]; task: string }
  const analyse = tasks[task]
  if (analyse === undefined) throw new Error(`recipe worker: unknown task ${task}`)
  // As JSON text: one string crosses threads much faster than a large object graph.
  parentPort!.postMessage(JSON.stringify(jobs.map((j) => attempt(analyse, j))))
}

function attempt<T>(analyse: (text: string, path: string) => T, j: AnalysisJob): Outcome<T> {
  try {
    return { ok: analyse(j.text, j.path) }
  } catch (e) {
    if (e instanceof UserError)
      return { error: { kind: e.kind, place: e.place, message: e.message } }
    throw e
  }
}

function unwrap<T>(o: Outcome<T>): T {
  if ('ok' in o) return o.ok
  const err = new UserError(o.error.kind, '', o.error.message)
  Object.defineProperty(err, 'place', { value: o.error.place })
  throw err
}

/**
 * `analyse` over the jobs, spread over the cores. In a worker the same function is found by
 * `task` in the entry point's `WorkerTasks` (src/ecosystems/spack/worker-tasks.ts).
 */
export async function analyseInParallel<T>(
  jobs: readonly AnalysisJob[],
  task: string,
  analyse: (text: string, path: string) => T,
): Promise<T[]> {
  // BINARY_CHECK_WORKERS=N caps the threads (1: no workers).
  const cap = Number(process.env.BINARY_CHECK_WORKERS ?? '8')
  const threads = Math.min(availableParallelism(), Number.isInteger(cap) && cap >= 1 ? cap : 8)
  const bundled = import.meta.url.endsWith('.js')
  const phase = task === 'recipe' ? 'Parsing recipes' : `Parsing recipes (${task})`
  if (jobs.length < MIN_JOBS_FOR_WORKERS || threads < 2 || !bundled)
    return jobs.map((j, i) => {
      const out = analyse(j.text, j.path)
      reportProgress(phase, i + 1, jobs.length)
      return out
    })
  // Contiguous slices; the main thread takes the first while the workers take the rest. A worker
  // starts cold (loads the bundle, warms up) and its results are copied back, so the main thread
  // takes a smaller share.
  const workerWeight = 1.2
  const mainShare = Math.floor(jobs.length / (1 + (threads - 1) * workerWeight))
  const rest = Math.ceil((jobs.length - mainShare) / (threads - 1))
  const slices: AnalysisJob[][] = [jobs.slice(0, mainShare)]
  for (let i = mainShare; i < jobs.length; i += rest) slices.push(jobs.slice(i, i + rest))
  const workers = slices.slice(1).map(
    (slice) =>
      new Promise<Outcome<T>[]>((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), {
          workerData: { [MARK]: true, jobs: slice, task },
        })
        w.once('message', (m: string) => resolve(JSON.parse(m) as Outcome<T>[]))
        w.once('error', reject)
        w.once('exit', (code) => {
          if (code !== 0) reject(new Error(`recipe analysis worker exited with ${code}`))
        })
      }),
  )
  // The main thread's share stands for the whole (the workers answer once, at their end).
  const mine = slices[0]!.map((j, i) => {
    const out = attempt(analyse, j)
    reportProgress(phase, Math.floor(((i + 1) * jobs.length) / mainShare) - 1, jobs.length)
    return out
  })
  const theirs = await Promise.all(workers)
  reportProgress(phase, jobs.length, jobs.length)
  return [mine, ...theirs].flat().map(unwrap)
}
