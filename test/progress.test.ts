/** Issue 11 §3: long work shows progress on a terminal and stays quiet in CI logs. */
import { afterEach, describe, expect, it } from 'vitest'
import { progressPrinter, reportProgress, setProgressSink } from '../src/core/progress.js'

afterEach(() => setProgressSink(undefined))

describe('progress', () => {
  it('in a CI log: one line per 10 %, whatever the number of reports', () => {
    const out: string[] = []
    setProgressSink(progressPrinter((t) => out.push(t), { terminal: false }))
    for (let i = 1; i <= 8931; i++) reportProgress('Parsing recipes', i, 8931)
    expect(out).toHaveLength(10)
    expect(out[0]).toBe('binary-check: Parsing recipes: 10% (894 of 8,931)\n')
    expect(out[9]).toBe('binary-check: Parsing recipes: 100% (8,931 of 8,931)\n')
  })

  it('on a terminal: one line rewritten in place, ended at 100 %', () => {
    const out: string[] = []
    setProgressSink(progressPrinter((t) => out.push(t), { terminal: true }))
    for (let i = 1; i <= 1000; i++) reportProgress('Reading spec tags', i, 1000)
    expect(out).toHaveLength(100)
    expect(out.every((t) => t.startsWith('\rbinary-check: Reading spec tags: '))).toBe(true)
    expect(out.at(-1)!.endsWith('100% (1,000 of 1,000)\n')).toBe(true)
    expect(out.slice(0, -1).some((t) => t.includes('\n'))).toBe(false)
  })

  it('small work and no sink say nothing', () => {
    const out: string[] = []
    reportProgress('Parsing recipes', 5, 10)
    setProgressSink(progressPrinter((t) => out.push(t), { terminal: false }))
    for (let i = 1; i <= 50; i++) reportProgress('Parsing recipes', i, 50)
    expect(out).toEqual([])
  })
})
