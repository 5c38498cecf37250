/**
 * The work a recipe worker thread can be given (see parallel-analysis.ts): both entry points
 * (CLI, Action) hand this table to `runRecipeWorker`.
 */
import { analyseAndHashRecipe } from './package-hash/analyse-and-hash.js'
import type { WorkerTasks } from './parallel-analysis.js'
import { analyseRecipe } from './read-spack-packages.js'

export const WORKER_TASKS: WorkerTasks = {
  recipe: analyseRecipe,
  'recipe-and-spack-hash': analyseAndHashRecipe,
}
