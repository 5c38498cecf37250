import { WORKER_TASKS } from '../ecosystems/spack/worker-tasks.js'
import { isRecipeWorker, runRecipeWorker } from '../ecosystems/spack/parallel-analysis.js'
import { run } from './main.js'
import { info } from '@actions/core'
import { progressPrinter, setProgressSink } from '../core/progress.js'

if (isRecipeWorker()) runRecipeWorker(WORKER_TASKS)
else {
  // One log line per 10 % of long work (the parse phase of a cold plan).
  setProgressSink(progressPrinter((t) => info(t.trimEnd()), { terminal: false }))
  await run()
}
