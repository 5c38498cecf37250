import { WORKER_TASKS } from '../ecosystems/spack/worker-tasks.js'
import { isRecipeWorker, runRecipeWorker } from '../ecosystems/spack/parallel-analysis.js'
import { run } from './main.js'

if (isRecipeWorker()) runRecipeWorker(WORKER_TASKS)
else await run()
