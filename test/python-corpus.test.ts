/**
 * Parser conformance on the real corpus (issue 8 §2): every `packages/<name>/package.py` and every
 * build_systems module of the head of spack-packages-2025-12.bundle, plus every blob of those
 * paths that its 519 commits add or change (9,485 distinct blobs), must parse without an error,
 * and — where python3 is installed — give the same outline as CPython's `ast`: classes, bases,
 * methods and the calls of class bodies (test/support/python-outline.py). Skips with a message
 * where ../shared (or python3) is absent.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isUserError } from '../src/core/errors.js'
import {
  lineAt,
  parsePython,
  type PyNode,
  type PySource,
} from '../src/ecosystems/spack/recipe/syntax.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const run = promisify(execFile)
const BUNDLE = join(PROJECT_ROOT, '../shared/corpus/spack-packages-2025-12.bundle')
const HAVE_CORPUS = existsSync(BUNDLE)
const HAVE_PYTHON = spawnSync('python3', ['--version']).status === 0
const OUTLINE_SCRIPT = join(PROJECT_ROOT, 'test/support/python-outline.py')
if (!HAVE_CORPUS)
  console.warn(`python corpus test skipped: ${BUNDLE} is absent (it ships in ../shared)`)
else if (!HAVE_PYTHON)
  console.warn('python corpus test: no python3, the comparison with ast is skipped')

const RECIPE = /^repos\/spack_repo\/builtin\/packages\/[^/]+\/package\.py$/
const BUILD_SYSTEM = /^repos\/spack_repo\/builtin\/build_systems\/.+\.py$/
const wanted = (path: string): boolean => RECIPE.test(path) || BUILD_SYSTEM.test(path)

interface ClassOutline {
  line: number
  name: string
  bases: string[]
  methods: string[]
  calls: Array<[string, number]>
}

interface Blob {
  id: string
  /** A path the blob has (in the head when it is there). */
  path: string
  head: boolean
}

let work: string
let blobs: Blob[] = []
/** `path (blob id): message` of every blob that does not parse. */
const failures: string[] = []
const outlines = new Map<string, ClassOutline[]>()
let python: Promise<Map<string, { classes?: ClassOutline[]; error?: string }>> | undefined
let parseMs = 0

/** The distinct blobs to read: the head's files first, then every version the history adds. */
async function corpusBlobs(gitDir: string): Promise<Blob[]> {
  const git = (args: string[]) =>
    run('git', ['--git-dir', gitDir, ...args], { maxBuffer: 256 * 1024 * 1024 })
  const byId = new Map<string, Blob>()
  const tree = await git(['ls-tree', '-r', 'HEAD', '--', 'repos/spack_repo/builtin'])
  for (const line of tree.stdout.split('\n')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(line)
    if (match && wanted(match[2] as string))
      byId.set(match[1] as string, { id: match[1] as string, path: match[2] as string, head: true })
  }
  const log = await git([
    'log',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '--format=',
    'HEAD',
    '--',
    'repos/spack_repo/builtin',
  ])
  for (const line of log.stdout.split('\n')) {
    // :100644 100644 <old> <new> M\t<path>
    const match = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) \w+\t(.+)$/.exec(line)
    if (!match || /^0+$/.test(match[1] as string) || !wanted(match[2] as string)) continue
    if (!byId.has(match[1] as string))
      byId.set(match[1] as string, {
        id: match[1] as string,
        path: match[2] as string,
        head: false,
      })
  }
  return [...byId.values()]
}

/** Splits `git cat-file --batch` output into blob texts by id. */
function splitBatch(batch: Buffer): Map<string, string> {
  const texts = new Map<string, string>()
  let pos = 0
  while (pos < batch.length) {
    const eol = batch.indexOf(10, pos)
    const [id, kind, size] = batch.toString('latin1', pos, eol).split(' ')
    if (kind !== 'blob') throw new Error(`cat-file: ${batch.toString('latin1', pos, eol)}`)
    const start = eol + 1
    const end = start + Number(size)
    texts.set(id as string, batch.toString('utf8', start, end))
    pos = end + 1
  }
  return texts
}

/** The dotted name of an expression (`a.b.C`), or undefined. */
function dotted(node: PyNode, text: string): string | undefined {
  if (node.name === 'VariableName') return text.slice(node.from, node.to)
  if (node.name === 'ParenthesizedExpression') {
    const inner = node.firstChild?.nextSibling
    return inner && inner.nextSibling?.name === ')' ? dotted(inner, text) : undefined
  }
  if (node.name !== 'MemberExpression') return undefined
  const object = node.firstChild
  const dot = object?.nextSibling
  const property = dot?.nextSibling
  if (!object || dot?.name !== '.' || property?.name !== 'PropertyName') return undefined
  const base = dotted(object, text)
  return base === undefined ? undefined : `${base}.${text.slice(property.from, property.to)}`
}

/** The items of an ArgList (the nodes between its commas). */
function argItems(args: PyNode): PyNode[][] {
  const items: PyNode[][] = []
  let current: PyNode[] = []
  for (let child = args.firstChild; child; child = child.nextSibling) {
    if (child.name === '(' || child.name === 'Comment') continue
    if (child.name === ',' || child.name === ')') {
      if (current.length > 0) items.push(current)
      current = []
    } else current.push(child)
  }
  return items
}

/** What python-outline.py reports for each class, from the lezer tree. */
function outline(source: PySource): ClassOutline[] {
  const { text } = source
  const classes: ClassOutline[] = []
  const body = (block: PyNode, into: ClassOutline): void => {
    for (let stmt = block.firstChild; stmt; stmt = stmt.nextSibling) {
      let node = stmt
      if (node.name === 'StatementGroup') {
        body(node, into)
        continue
      }
      if (node.name === 'DecoratedStatement') node = node.lastChild ?? node
      if (node.name === 'FunctionDefinition') {
        const name = node.getChild('VariableName')
        if (name) into.methods.push(text.slice(name.from, name.to))
      } else if (node.name === 'WithStatement') {
        const inner = node.getChild('Body')
        if (inner) body(inner, into)
      } else if (node.name === 'ExpressionStatement') {
        const call = node.firstChild
        if (call?.name !== 'CallExpression' || call.nextSibling) continue
        const callee = call.firstChild as PyNode
        const args = call.lastChild as PyNode
        into.calls.push([dotted(callee, text) ?? '<expr>', argItems(args).length])
      }
    }
  }
  const cursor = source.tree.cursor()
  do {
    if (cursor.name !== 'ClassDefinition') continue
    const node = cursor.node
    const name = node.getChild('VariableName')
    const args = node.getChild('ArgList')
    const bases: string[] = []
    for (const item of args ? argItems(args) : []) {
      const [first, second] = item
      if (first?.name === '**' || second?.name === 'AssignOp') continue // keywords
      bases.push((item.length === 1 && dotted(first as PyNode, text)) || '<expr>')
    }
    const info: ClassOutline = {
      line: lineAt(source, node.from),
      name: name ? text.slice(name.from, name.to) : '',
      bases,
      methods: [],
      calls: [],
    }
    const block = node.getChild('Body')
    if (block) body(block, info)
    classes.push(info)
  } while (cursor.next())
  return classes
}

describe.skipIf(!HAVE_CORPUS)(
  'the Python grammar on the spack-packages corpus (needs ../shared/corpus; skipped when absent)',
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'binary-check-pycorpus-'))
      const gitDir = join(work, 'corpus.git')
      await run('git', ['clone', '--bare', '--quiet', BUNDLE, gitDir])
      blobs = await corpusBlobs(gitDir)
      const batchFile = join(work, 'blobs.batch')
      const batch = await new Promise<Buffer>((done, fail) => {
        const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'])
        const chunks: Buffer[] = []
        child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
        child.on('error', fail)
        child.on('close', (code) =>
          code === 0 ? done(Buffer.concat(chunks)) : fail(new Error(`cat-file exit ${code}`)),
        )
        child.stdin.end(blobs.map((b) => b.id).join('\n') + '\n')
      })
      await writeFile(batchFile, batch)
      if (HAVE_PYTHON) {
        // CPython reads the same bytes meanwhile (files, not pipes: the parse below blocks).
        const outFile = join(work, 'outline.jsonl')
        const input = openSync(batchFile, 'r')
        const output = openSync(outFile, 'w')
        const child = spawn('python3', [OUTLINE_SCRIPT], { stdio: [input, output, 'pipe'] })
        closeSync(input)
        closeSync(output)
        let stderr = ''
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        python = new Promise((done, fail) => {
          child.on('error', fail)
          child.on('close', async (code) => {
            if (code !== 0) return fail(new Error(`python-outline.py exit ${code}: ${stderr}`))
            const records = new Map<string, { classes?: ClassOutline[]; error?: string }>()
            for (const line of (await readFile(outFile, 'utf8')).split('\n')) {
              if (line.length === 0) continue
              const record = JSON.parse(line) as {
                id: string
                classes?: ClassOutline[]
                error?: string
              }
              records.set(record.id, record)
            }
            done(records)
          })
        })
        python.catch(() => undefined) // reported by the test that awaits it
      }
      const texts = splitBatch(batch)
      const start = performance.now()
      for (const blob of blobs) {
        const label = `${blob.path} (blob ${blob.id.slice(0, 10)}${blob.head ? ', head' : ''})`
        try {
          const source = parsePython(texts.get(blob.id) as string, label)
          outlines.set(blob.id, outline(source))
        } catch (e) {
          if (!isUserError(e)) throw e
          failures.push(e.oneLine())
        }
      }
      parseMs = performance.now() - start
    })
    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true })
    })

    it('parses every recipe and build-system module of the head and of the history', () => {
      const head = blobs.filter((b) => b.head)
      console.log(
        `python corpus: ${blobs.length} blobs (${head.length} in the head, ` +
          `${blobs.length - head.length} older versions) parsed in ${Math.round(parseMs)} ms`,
      )
      expect(head.filter((b) => RECIPE.test(b.path)).length).toBeGreaterThan(8000)
      expect(head.filter((b) => BUILD_SYSTEM.test(b.path)).length).toBeGreaterThan(20)
      expect(blobs.length - head.length).toBeGreaterThan(500)
      expect(failures.length, `first failures:\n${failures.slice(0, 8).join('\n')}`).toBe(0)
    })

    it.skipIf(!HAVE_PYTHON)(
      'reads the same classes, bases, methods and class-body calls as CPython (needs python3)',
      async () => {
        const records = await (python as NonNullable<typeof python>)
        const mismatches: string[] = []
        let classes = 0
        for (const blob of blobs) {
          const record = records.get(blob.id)
          const ours = outlines.get(blob.id)
          if (record?.classes === undefined || ours === undefined) {
            mismatches.push(
              `${blob.path} (blob ${blob.id}): python: ${record?.error ?? 'no output'}`,
            )
            continue
          }
          classes += ours.length
          const a = JSON.stringify(ours)
          const b = JSON.stringify(record.classes)
          if (a === b) continue
          let i = 0
          while (a[i] === b[i]) i++
          mismatches.push(
            `${blob.path} (blob ${blob.id}): lezer …${a.slice(Math.max(0, i - 60), i + 60)}… ` +
              `python …${b.slice(Math.max(0, i - 60), i + 60)}…`,
          )
        }
        expect(mismatches.length, `first mismatches:\n${mismatches.slice(0, 5).join('\n')}`).toBe(0)
        expect(classes).toBeGreaterThan(blobs.length)
      },
    )
  },
)
