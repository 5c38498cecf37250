/**
 * The real spack-packages history, ranges 1-259 of 518 (issue 8 §1; see support/corpus-sweep.ts).
 * The sweep is cut in two files so that vitest runs the halves side by side; each starts cold at
 * its first range, as a CI whose cache starts there would. Skips with a message where ../shared
 * is absent.
 */
import { describe, it } from 'vitest'
import { HAVE_CORPUS, sweepCorpus } from './support/corpus-sweep.js'

if (!HAVE_CORPUS)
  console.warn('corpus sweep skipped: ../shared/corpus is absent (it ships in ../shared)')

describe.skipIf(!HAVE_CORPUS)(
  'the real spack-packages history (needs ../shared/corpus; skipped when absent)',
  () => {
    it(
      'plans ranges 1-259 of the 519 commits, each satisfying the invariants',
      () => sweepCorpus({ first: 1, last: 259 }),
      75 * 60_000,
    )
  },
)
