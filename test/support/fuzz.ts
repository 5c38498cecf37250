/**
 * Property-based fuzzing helpers (issue 10 §4), on fast-check.
 *
 * Every reader is held to one property: any input either gives a value or throws a `UserError`
 * whose message is one line — never another exception (TypeError, RangeError: Maximum call
 * stack…), never one input that takes longer than `CASE_LIMIT_MS`.
 *
 * Bounded for CI: each property runs `numRuns` cases (its default, or `FC_RUNS`) and stops early
 * after `timeLimitMs` (not with `FC_RUNS`, a long campaign: `FC_RUNS=100000 npx vitest run
 * test/fuzz-readers.test.ts`). A failure's message carries fast-check's seed and path; replay it
 * with `FC_SEED=<seed> FC_PATH=<path>`. The seed is also printed when the test fails some other
 * way (a vitest timeout).
 */
import fc from 'fast-check'
import { onTestFailed, vi } from 'vitest'
import { UserError } from '../../src/core/errors.js'
import { scaled } from './load.js'

/** A long campaign (`FC_RUNS` set): no early stop, and no vitest timeout to stop it either. */
export const CAMPAIGN = process.env.FC_RUNS !== undefined && process.env.FC_RUNS !== ''
if (CAMPAIGN) vi.setConfig({ testTimeout: 6 * 3_600_000 })

/**
 * One input taking longer than this is a hang (every reader here is linear or close to it);
 * longer on a busy machine (support/load.ts).
 */
export const CASE_LIMIT_MS = scaled(10_000)

const LINE_BREAK = /[\n\r]/

/** Counts of cases run, by property name (reported by the long campaign). */
export const casesRun = new Map<string, number>()

export interface FuzzOptions {
  /** Cases in CI (overridden by FC_RUNS). */
  numRuns: number
  /** Stop early after this long (CI only; default 8 s). */
  timeLimitMs?: number
}

/** fast-check parameters for one property: bounded in CI, seeded and replayable. */
export function fuzzParameters<T>(name: string, options: FuzzOptions): fc.Parameters<T> {
  const campaign = CAMPAIGN
  const seed =
    process.env.FC_SEED !== undefined && process.env.FC_SEED !== ''
      ? Number(process.env.FC_SEED)
      : (Date.now() ^ (Math.random() * 0x100000000)) | 0
  onTestFailed(() => {
    console.error(`fuzz ${name}: replay with FC_SEED=${seed}`)
  })
  return {
    seed,
    numRuns: campaign ? Number(process.env.FC_RUNS) : options.numRuns,
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
    ...(campaign ? {} : { interruptAfterTimeLimit: options.timeLimitMs ?? 8_000 }),
  }
}

/**
 * `run()`'s value, or the `UserError` it threw; anything else thrown, a UserError message on
 * more than one line, or a run past `CASE_LIMIT_MS` fails the property.
 */
export function valueOrUserError<T>(run: () => T): T | UserError {
  const start = performance.now()
  try {
    return run()
  } catch (e) {
    return oneLineUserError(e)
  } finally {
    checkDuration(start)
  }
}

/** `valueOrUserError` for an async reader. */
export async function valueOrUserErrorAsync<T>(run: () => Promise<T>): Promise<T | UserError> {
  const start = performance.now()
  try {
    return await run()
  } catch (e) {
    return oneLineUserError(e)
  } finally {
    checkDuration(start)
  }
}

/** A thrown UserError with a one-line message, returned; anything else thrown again. */
function oneLineUserError(e: unknown): UserError {
  if (!(e instanceof UserError)) throw e
  checkOneLine(e)
  return e
}

/** The same property for readers that return `{error}` instead of throwing. */
export function checkReason(reason: string, what: string): void {
  if (LINE_BREAK.test(reason))
    throw new Error(`${what}: the reason is not one line: ${JSON.stringify(reason)}`)
}

function checkOneLine(e: UserError): void {
  if (LINE_BREAK.test(e.message))
    throw new Error(`UserError message is not one line: ${JSON.stringify(e.message)}`)
}

function checkDuration(start: number): void {
  const ms = performance.now() - start
  if (ms > CASE_LIMIT_MS) throw new Error(`one input took ${Math.round(ms)} ms (a hang)`)
}

/** Runs a synchronous property under `fuzzParameters` and counts its cases. */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (v: T) => void, o: FuzzOptions) {
  let n = 0
  fc.assert(
    fc.property(arb, (v) => {
      n++
      check(v)
    }),
    fuzzParameters(name, o),
  )
  casesRun.set(name, (casesRun.get(name) ?? 0) + n)
}

/** Runs an async property under `fuzzParameters` and counts its cases. */
export async function fuzzAsync<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (v: T) => Promise<void>,
  o: FuzzOptions,
): Promise<void> {
  let n = 0
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      n++
      await check(v)
    }),
    fuzzParameters(name, o),
  )
  casesRun.set(name, (casesRun.get(name) ?? 0) + n)
}

/** Prints the case counts (the long campaign reads them from the output). */
export function reportCases(file: string): void {
  if (!CAMPAIGN) return
  for (const [name, n] of casesRun) console.log(`fuzz ${file} ${name}: ${n} cases`)
}

// ---------------------------------------------------------------------------------------------
// Text mutations

/** One edit of a text: what fast-check draws, applied by `applyEdits`. */
export type TextEdit =
  | { kind: 'delete-line'; at: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'swap-lines'; at: number; to: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete-span'; at: number; length: number }
  | { kind: 'indent'; at: number; by: string }
  | { kind: 'truncate'; at: number }

/** Characters that break parsers: brackets, quotes, indentation, escapes, odd code points. */
const NASTY = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '"""',
  "'''",
  '\\',
  ':',
  ',',
  '#',
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '    ',
  '\u0000',
  '\u2028',
  '\ufeff',
  '\ud800',
  '😀',
  '&a',
  '*a',
  '- ',
  '@',
  '%',
  '^',
  '=',
  '+',
  '~',
]

export const nastyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.array(fc.constantFrom(...NASTY), { maxLength: 6 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', maxLength: 8 }),
)

/** Positions are fractions of the text (0..1), so one edit list fits any text. */
const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), at: frac }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: frac }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: frac, to: frac }),
  {
    arbitrary: fc.record({ kind: fc.constant('insert' as const), at: frac, text: nastyText }),
    weight: 3,
  },
  fc.record({
    kind: fc.constant('delete-span' as const),
    at: frac,
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('indent' as const),
    at: frac,
    by: fc.constantFrom(' ', '  ', '    ', '\t', ''),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
)

export const textEdits: fc.Arbitrary<TextEdit[]> = fc.array(textEdit, {
  minLength: 1,
  maxLength: 8,
})

/** `text` with `edits` applied in order. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text
  for (const edit of edits) out = applyEdit(out, edit)
  return out
}

function applyEdit(text: string, edit: TextEdit): string {
  const lines = text.split('\n')
  const line = Math.floor(edit.at * lines.length)
  const offset = Math.floor(edit.at * (text.length + 1))
  switch (edit.kind) {
    case 'delete-line':
      lines.splice(line, 1)
      return lines.join('\n')
    case 'duplicate-line':
      lines.splice(line, 0, lines[line] ?? '')
      return lines.join('\n')
    case 'swap-lines': {
      const to = Math.floor(edit.to * lines.length)
      const a = lines[line] ?? ''
      lines[line] = lines[to] ?? ''
      lines[to] = a
      return lines.join('\n')
    }
    case 'insert':
      return text.slice(0, offset) + edit.text + text.slice(offset)
    case 'delete-span':
      return text.slice(0, offset) + text.slice(offset + edit.length)
    case 'indent':
      lines[line] = edit.by + (lines[line] ?? '').replace(/^[ \t]*/, edit.by === '' ? '' : '$&')
      return lines.join('\n')
    case 'truncate':
      return text.slice(0, offset)
  }
}

// ---------------------------------------------------------------------------------------------
// JSON value mutations

/** A JSON path step: the index among the keys (or items) of the node met there, as a fraction. */
export type JsonEdit =
  | { kind: 'replace'; path: number[]; value: unknown }
  | { kind: 'delete'; path: number[] }
  | { kind: 'rename'; path: number[]; key: string }
  | { kind: 'copy'; path: number[]; from: number[] }

/** Values that readers mistake for others: wrong types, empty ones, huge or odd numbers. */
export const oddJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -0,
    '',
    ' ',
    '\n',
    '__proto__',
    'constructor',
    [],
    {},
    [null],
    { __proto__: null },
  ),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
)

const path = fc.array(frac, { minLength: 0, maxLength: 8 })

/** Keys that collide with object internals or carry line breaks and quotes. */
export const oddKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', 'a\nb', 'a"b', 'x\r', '\u2028'),
  fc.string({ maxLength: 10 }),
)

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('replace' as const), path, value: oddJson }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), path }), weight: 2 },
  fc.record({ kind: fc.constant('rename' as const), path, key: oddKey }),
  fc.record({ kind: fc.constant('copy' as const), path, from: path }),
)

export const jsonEdits: fc.Arbitrary<JsonEdit[]> = fc.array(jsonEdit, {
  minLength: 1,
  maxLength: 6,
})

/** A deep copy of `value` with `edits` applied (JSON values only). */
export function applyJsonEdits(value: unknown, edits: readonly JsonEdit[]): unknown {
  let out: unknown = structuredClone(value)
  for (const edit of edits) out = applyJsonEdit(out, edit)
  return out
}

type Container = Record<string, unknown> | unknown[]

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null
}

/** The container at (or just above) `path`, and the key of the child it leads to. */
function locate(
  root: unknown,
  path: readonly number[],
): { parent: Container; key: string } | undefined {
  let node = root
  let found: { parent: Container; key: string } | undefined
  for (const step of path) {
    if (!isContainer(node)) break
    const keys = Object.keys(node)
    if (keys.length === 0) break
    const key = keys[Math.floor(step * keys.length)] as string
    found = { parent: node, key }
    node = (node as Record<string, unknown>)[key]
  }
  return found
}

function applyJsonEdit(root: unknown, edit: JsonEdit): unknown {
  const at = locate(root, edit.path)
  if (at === undefined) return edit.kind === 'replace' ? structuredClone(edit.value) : root
  const { parent, key } = at
  const record = parent as Record<string, unknown>
  switch (edit.kind) {
    case 'replace':
      record[key] = structuredClone(edit.value)
      break
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1)
      else delete record[key]
      break
    case 'rename':
      if (!Array.isArray(parent)) {
        const v = record[key]
        delete record[key]
        Object.defineProperty(record, edit.key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      break
    case 'copy': {
      const from = locate(root, edit.from)
      if (from !== undefined)
        record[key] = structuredClone((from.parent as Record<string, unknown>)[from.key])
      break
    }
  }
  return root
}

/** Deeply nested text: `[[[…]]]`, `{"a":{"a":…}}`, YAML blocks, Python parentheses. */
export function nested(open: string, close: string, depth: number, inner = ''): string {
  return open.repeat(depth) + inner + close.repeat(depth)
}
