/**
 * Progress of long work (a cold plan's parse phase, `index` over thousands of tags, a batched
 * `record`): the code doing the work reports `done` of `total`; a front end decides whether and
 * how it is shown (`progressPrinter`). No I/O here: without a sink, reports go nowhere.
 */
export type ProgressSink = (phase: string, done: number, total: number) => void

let sink: ProgressSink | undefined

/** Where reports go from now on (undefined: nowhere). */
export function setProgressSink(next: ProgressSink | undefined): void {
  sink = next
}

export function reportProgress(phase: string, done: number, total: number): void {
  if (sink && total > 0) sink(phase, Math.min(done, total), total)
}

/**
 * A sink that writes text: on a terminal one line rewritten in place (each whole per cent), else
 * one line per 10 % (quiet in CI logs). Phases under `minTotal` items are not shown.
 */
export function progressPrinter(
  write: (text: string) => void,
  options: { terminal: boolean; minTotal?: number },
): ProgressSink {
  const shown = new Map<string, number>()
  const step = options.terminal ? 1 : 10
  const min = options.minTotal ?? 200
  return (phase, done, total) => {
    if (total < min) return
    const percent = Math.floor((done * 100) / total)
    const mark = percent - (percent % step)
    const last = shown.get(phase) ?? 0
    if (mark <= last) return
    shown.set(phase, mark)
    const text = `binary-check: ${phase}: ${mark}% (${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')})`
    if (options.terminal) write(`\r${text}${mark === 100 ? '\n' : ''}`)
    else write(`${text}\n`)
  }
}
