import { WORKER_TASKS } from '../ecosystems/spack/worker-tasks.js'
import { isRecipeWorker, runRecipeWorker } from '../ecosystems/spack/parallel-analysis.js'
import { runCli } from './main.js'

if (isRecipeWorker()) {
  runRecipeWorker(WORKER_TASKS)
} else {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    progress: process.stderr.isTTY === true,
  })
}
