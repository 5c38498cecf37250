import { WORKER_TASKS } from '../ecosystems/spack/worker-tasks.js'
import { isRecipeWorker, runRecipeWorker } from '../ecosystems/spack/parallel-analysis.js'
import { runCli } from './main.js'
import { progressPrinter, setProgressSink } from '../core/progress.js'

if (isRecipeWorker()) {
  runRecipeWorker(WORKER_TASKS)
} else {
  // Progress of long work: in place on a terminal, one line per 10 % in CI logs, else none.
  const terminal = process.stderr.isTTY === true
  const ci = ['CI', 'GITHUB_ACTIONS', 'GITLAB_CI'].some((k) =>
    /^(1|true)$/i.test(process.env[k] ?? ''),
  )
  if (terminal || ci) setProgressSink(progressPrinter((t) => process.stderr.write(t), { terminal }))
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    progress: process.stderr.isTTY === true,
  })
}
