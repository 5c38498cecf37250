import { describe, expect, it } from 'vitest'
import {
  CatFileBatchParser,
  isObjectId,
  isZeroObjectId,
  parseLsFilesStageZ,
  parseLsTreeZ,
  parseNameStatusZ,
  splitNul,
  type CatFileRecord,
} from '../src/git/output.js'

const OID1 = 'a'.repeat(40)
const OID2 = '0123456789abcdef0123456789abcdef01234567'
const OID256 = 'f'.repeat(64)
const HOSTILE = [
  'tab\there',
  'quote"and\'s',
  'new\nline',
  ' lead and trail ',
  'ünïcödé/日本語.txt',
  'back\\slash',
  '-dash',
]

describe('object ids', () => {
  it('accepts 40 and 64 hex, nothing else', () => {
    expect(isObjectId(OID1)).toBe(true)
    expect(isObjectId(OID256)).toBe(true)
    expect(isObjectId('A'.repeat(40))).toBe(false)
    expect(isObjectId('a'.repeat(41))).toBe(false)
    expect(isObjectId('a'.repeat(39))).toBe(false)
    expect(isZeroObjectId('0'.repeat(40))).toBe(true)
    expect(isZeroObjectId('0'.repeat(64))).toBe(true)
    expect(isZeroObjectId('0'.repeat(39))).toBe(false)
    expect(isZeroObjectId(OID1)).toBe(false)
  })
})

describe('splitNul', () => {
  it('drops only the final terminator', () => {
    expect(splitNul('')).toEqual([])
    expect(splitNul('a\x00b\x00')).toEqual(['a', 'b'])
    expect(splitNul('a\x00\x00')).toEqual(['a', ''])
  })
})

describe('parseNameStatusZ', () => {
  it('reads plain records and renames with hostile names', () => {
    const [a, b, c, d, e] = HOSTILE as [string, string, string, string, string]
    const out = `M\x00${a}\x00A\x00${b}\x00D\x00${c}\x00R087\x00${d}\x00${e}\x00T\x00link\x00C100\x00x\x00y\x00`
    expect(parseNameStatusZ(out)).toEqual([
      { status: 'M', path: a },
      { status: 'A', path: b },
      { status: 'D', path: c },
      { status: 'R', path: e, oldPath: d, similarity: 87 },
      { status: 'T', path: 'link' },
      { status: 'C', path: 'y', oldPath: 'x', similarity: 100 },
    ])
  })
  it('is empty for no changes and rejects garbage', () => {
    expect(parseNameStatusZ('')).toEqual([])
    expect(() => parseNameStatusZ('Q\x00x\x00')).toThrow(/unexpected status "Q"/)
    expect(() => parseNameStatusZ('R100\x00only-one\x00')).toThrow(/two paths/)
  })
})

describe('parseLsTreeZ', () => {
  it('keeps everything after the first tab as the path', () => {
    const out =
      HOSTILE.map((p, i) => `100644 blob ${i % 2 ? OID1 : OID256}\t${p}\x00`).join('') +
      `160000 commit ${OID2}\tsub\x00120000 blob ${OID1}\tlink\x00`
    const entries = parseLsTreeZ(out)
    expect(entries.map((e) => e.path)).toEqual([...HOSTILE, 'sub', 'link'])
    expect(entries[0]).toEqual({ path: 'tab\there', mode: '100644', type: 'blob', oid: OID256 })
    expect(entries.at(-2)).toEqual({ path: 'sub', mode: '160000', type: 'commit', oid: OID2 })
  })
  it('rejects malformed records', () => {
    expect(() => parseLsTreeZ(`100644 blob abc\tx\x00`)).toThrow(/malformed record/)
    expect(() => parseLsTreeZ(`100644 blob ${OID1} x\x00`)).toThrow(/malformed record/)
  })
})

describe('parseLsFilesStageZ', () => {
  it('reads mode, id, stage and hostile paths', () => {
    const out = `100644 ${OID1} 0\t${HOSTILE[2]}\x00100755 ${OID256} 2\t${HOSTILE[0]}\x00`
    expect(parseLsFilesStageZ(out)).toEqual([
      { path: 'new\nline', mode: '100644', oid: OID1, stage: 0 },
      { path: 'tab\there', mode: '100755', oid: OID256, stage: 2 },
    ])
  })
})

describe('CatFileBatchParser', () => {
  const frame = (oid: string, type: string, content: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`${oid} ${type} ${content.length}\n`), content, Buffer.from('\n')])
  const binary = Buffer.from([0, 10, 13, 255, 10, 10, 0x20, 0x0a])
  const stream = Buffer.concat([
    frame(OID1, 'blob', Buffer.from('hello\nworld\n')),
    frame(OID2, 'blob', Buffer.alloc(0)),
    Buffer.from(`${OID256} missing\n`),
    frame(OID256, 'blob', binary),
  ])
  const expected: CatFileRecord[] = [
    { oid: OID1, type: 'blob', size: 12, content: Buffer.from('hello\nworld\n') },
    { oid: OID2, type: 'blob', size: 0, content: Buffer.alloc(0) },
    { oid: OID256, missing: true },
    { oid: OID256, type: 'blob', size: binary.length, content: binary },
  ]

  it('parses a whole stream at once', () => {
    const parser = new CatFileBatchParser()
    expect(parser.push(stream)).toEqual(expected)
    parser.end()
  })

  it('parses the same stream split at every byte', () => {
    for (let size = 1; size <= 7; size++) {
      const parser = new CatFileBatchParser()
      const records: CatFileRecord[] = []
      for (let i = 0; i < stream.length; i += size)
        records.push(...parser.push(stream.subarray(i, i + size)))
      expect(records).toEqual(expected)
      parser.end()
    }
  })

  it('fails on a truncated stream or a bad frame', () => {
    const parser = new CatFileBatchParser()
    parser.push(stream.subarray(0, 55))
    expect(() => parser.end()).toThrow(/ended in the middle of object/)
    const bad = new CatFileBatchParser()
    expect(() => bad.push(Buffer.from(`${OID1} blob 2\nabX`))).toThrow(/not followed by a newline/)
    expect(() => new CatFileBatchParser().push(Buffer.from('nonsense\n'))).toThrow(
      /malformed header/,
    )
  })
})
