import { describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import {
  compareVersions,
  formatVersionConstraint,
  intersectVersionConstraints,
  isDevelopVersion,
  isGitVersion,
  maxVersion,
  parseVersionConstraint,
  versionSatisfies,
} from '../src/core/spec/version.js'

const sat = (v: string, c: string): boolean => versionSatisfies(v, parseVersionConstraint(c))

describe('compareVersions', () => {
  it('orders numeric segments numerically, not lexically', () => {
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0)
    expect(compareVersions('1.9', '1.10')).toBeLessThan(0)
    expect(compareVersions('2.0', '10.0')).toBeLessThan(0)
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0)
  })

  it('treats a prefix as older', () => {
    expect(compareVersions('1.2', '1.2.3')).toBeLessThan(0)
    expect(compareVersions('1.2', '1.2.0')).toBeLessThan(0)
    expect(compareVersions('1.2.3', '1.2')).toBeGreaterThan(0)
  })

  it('ignores which separator is used', () => {
    expect(compareVersions('1.2.3', '1-2_3')).toBe(0)
    expect(compareVersions('6.5-20250705', '6.5.20250705')).toBe(0)
  })

  it('splits at digit/letter transitions and ranks numbers above words', () => {
    expect(compareVersions('1.2a', '1.2.1')).toBeLessThan(0) // 'a' < 1
    expect(compareVersions('1.1.1l', '1.1.1k')).toBeGreaterThan(0)
    expect(compareVersions('9.9p1', '9.3p1')).toBeGreaterThan(0)
    expect(compareVersions('1.0a', '1.0b')).toBeLessThan(0)
    expect(compareVersions('R2024a', 'R2023a')).toBeGreaterThan(0)
  })

  it('ranks infinity versions above every number, in Spack order', () => {
    const order = ['stable', 'nightly', 'trunk', 'head', 'master', 'main', 'develop']
    for (let i = 0; i + 1 < order.length; i++) {
      expect(compareVersions(order[i] as string, order[i + 1] as string)).toBeLessThan(0)
    }
    for (const w of order) {
      expect(compareVersions(w, '999999.0')).toBeGreaterThan(0)
      expect(compareVersions('2024.1', w)).toBeLessThan(0)
    }
    expect(compareVersions('develop', 'latest')).toBeGreaterThan(0)
    expect(compareVersions('latest', '1.0')).toBeLessThan(0) // a plain word is older than numbers
  })

  it('places prereleases before the release', () => {
    expect(compareVersions('1.2rc1', '1.2')).toBeLessThan(0)
    expect(compareVersions('1.2alpha', '1.2beta')).toBeLessThan(0)
    expect(compareVersions('1.2beta2', '1.2rc1')).toBeLessThan(0)
    expect(compareVersions('1.2rc1', '1.2rc2')).toBeLessThan(0)
    expect(compareVersions('1.2rc2', '1.1.9')).toBeGreaterThan(0)
  })

  it('handles numbers beyond double precision', () => {
    expect(compareVersions('12345678901234567890', '12345678901234567891')).toBeLessThan(0)
    expect(compareVersions('1.00000000000000000001', '1.1')).toBe(0)
  })

  it('orders git versions by their assigned version', () => {
    expect(isGitVersion('git.main=1.2')).toBe(true)
    expect(isGitVersion('a'.repeat(40))).toBe(true)
    expect(isGitVersion('1.2')).toBe(false)
    expect(compareVersions('git.feature=1.2', '1.1')).toBeGreaterThan(0)
    expect(compareVersions('git.feature=1.2', '1.3')).toBeLessThan(0)
    expect(compareVersions('git.feature=1.2', '1.2')).not.toBe(0)
    expect(compareVersions('git.feature', 'develop')).toBeGreaterThan(0) // unassigned sorts last
  })

  it('sorts a real version list', () => {
    const list = ['1.10', 'develop', '1.2rc1', '1.2', '1.2.10', '1.2.9', 'main', '0.9', '1.2a']
    const sorted = [...list].sort(compareVersions)
    expect(sorted).toEqual([
      '0.9',
      '1.2rc1',
      '1.2',
      '1.2a',
      '1.2.9',
      '1.2.10',
      '1.10',
      'main',
      'develop',
    ])
  })
})

describe('maxVersion / isDevelopVersion', () => {
  it('returns the newest version, undefined for none', () => {
    expect(maxVersion(['1.2', '1.10', '1.9.9'])).toBe('1.10')
    expect(maxVersion(['3.13.5', 'develop', '3.14'])).toBe('develop')
    expect(maxVersion([])).toBeUndefined()
    expect(maxVersion(['1.2', '1-2'])).toBe('1.2') // first among equals
  })

  it('detects infinity versions', () => {
    expect(isDevelopVersion('develop')).toBe(true)
    expect(isDevelopVersion('master-2')).toBe(true)
    expect(isDevelopVersion('1.2.3')).toBe(false)
    expect(isDevelopVersion('latest')).toBe(false)
  })
})

describe('parseVersionConstraint', () => {
  it('parses every form', () => {
    expect(parseVersionConstraint('1.2')).toEqual([{ lo: '1.2', hi: '1.2' }])
    expect(parseVersionConstraint('1.2:')).toEqual([{ lo: '1.2' }])
    expect(parseVersionConstraint(':1.4')).toEqual([{ hi: '1.4' }])
    expect(parseVersionConstraint('1.2:1.4')).toEqual([{ lo: '1.2', hi: '1.4' }])
    expect(parseVersionConstraint('=1.2')).toEqual([{ lo: '1.2', hi: '1.2', exact: true }])
    expect(parseVersionConstraint(':')).toEqual([{}])
    expect(parseVersionConstraint('git.main=1.2')).toEqual([
      { lo: 'git.main=1.2', hi: 'git.main=1.2', exact: true },
    ])
  })

  it('sorts and dedupes lists, allowing spaces around commas', () => {
    expect(parseVersionConstraint('1.4:1.6, 1.2,1.2')).toEqual([
      { lo: '1.2', hi: '1.2' },
      { lo: '1.4', hi: '1.6' },
    ])
    expect(formatVersionConstraint(parseVersionConstraint('develop,:1.4,2.0:'))).toBe(
      ':1.4,2.0:,develop',
    )
    expect(formatVersionConstraint(parseVersionConstraint('=1.2,1.2'))).toBe('1.2,=1.2')
  })

  it('rejects bad text with a spec-syntax error', () => {
    const bad: [string, string][] = [
      ['', 'invalid version constraint "": empty version in list'],
      ['1.2,', 'invalid version constraint "1.2,": empty version in list'],
      ['1.2:1.4:1.6', 'invalid version constraint "1.2:1.4:1.6": bad range "1.2:1.4:1.6"'],
      ['1.4:1.2', 'invalid version constraint "1.4:1.2": empty range "1.4:1.2"'],
      ['1.2.', 'invalid version constraint "1.2.": bad version "1.2."'],
      ['1 2', 'invalid version constraint "1 2": bad version "1 2"'],
    ]
    for (const [text, message] of bad) {
      let err: unknown
      try {
        parseVersionConstraint(text, 'pkg/package.py:3')
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).kind).toBe('spec-syntax')
      expect((err as UserError).place).toBe('pkg/package.py:3')
      expect((err as UserError).message).toBe(`pkg/package.py:3: ${message}`)
    }
  })

  it('accepts a range whose upper bound is a prefix of the lower one', () => {
    // 1.2.5:1.2 is [1.2.5, 1.3): not empty
    expect(sat('1.2.7', '1.2.5:1.2')).toBe(true)
    expect(sat('1.2.4', '1.2.5:1.2')).toBe(false)
  })
})

describe('versionSatisfies', () => {
  it('@1.2 covers 1.2 and every 1.2.x, nothing else', () => {
    expect(sat('1.2', '1.2')).toBe(true)
    expect(sat('1.2.0', '1.2')).toBe(true)
    expect(sat('1.2.3', '1.2')).toBe(true)
    expect(sat('1.2.3.4', '1.2')).toBe(true)
    expect(sat('1.20', '1.2')).toBe(false)
    expect(sat('1.3', '1.2')).toBe(false)
    expect(sat('1.1.9', '1.2')).toBe(false)
    expect(sat('1.2rc1', '1.2')).toBe(false) // a prerelease is older than 1.2 in Spack
  })

  it('@=1.2 is exactly 1.2', () => {
    expect(sat('1.2', '=1.2')).toBe(true)
    expect(sat('1.2.1', '=1.2')).toBe(false)
    expect(sat('1.2.0', '=1.2')).toBe(false)
  })

  it('upper bounds include every x.y.z below the next version', () => {
    expect(sat('1.4.9', ':1.4')).toBe(true)
    expect(sat('1.4', ':1.4')).toBe(true)
    expect(sat('1.5', ':1.4')).toBe(false)
    expect(sat('0.1', ':1.4')).toBe(true)
    expect(sat('1.4.9', '1.2:1.4')).toBe(true)
    expect(sat('1.1.9', '1.2:1.4')).toBe(false)
    expect(sat('1.5.0', '1.2:1.4')).toBe(false)
  })

  it('lower bounds include the bound and everything newer', () => {
    expect(sat('1.2', '1.2:')).toBe(true)
    expect(sat('1.2.1', '1.2:')).toBe(true)
    expect(sat('2.0', '1.2:')).toBe(true)
    expect(sat('develop', '1.2:')).toBe(true)
    expect(sat('1.1.99', '1.2:')).toBe(false)
  })

  it('lists are unions; ":" is everything', () => {
    expect(sat('1.2.3', '1.0,1.2')).toBe(true)
    expect(sat('1.5', '1.2,1.4:1.6')).toBe(true)
    expect(sat('1.3', '1.2,1.4:1.6')).toBe(false)
    expect(sat('anything', ':')).toBe(true)
    expect(sat('develop', ':')).toBe(true)
    expect(versionSatisfies('1.0', [])).toBe(false)
  })

  it('infinity versions sit above numeric bounds', () => {
    expect(sat('develop', ':99')).toBe(false)
    expect(sat('develop', 'develop')).toBe(true)
    expect(sat('main', 'develop')).toBe(false)
    expect(sat('main', '5.6:5.8,master')).toBe(false)
    expect(sat('master', '5.6:5.8,master')).toBe(true)
    expect(sat('develop-1.10', 'develop-1.8:develop-1.12')).toBe(true)
    expect(sat('develop-1.13', 'develop-1.8:develop-1.12')).toBe(false)
  })

  it('matches upper bounds on words and prereleases like Spack', () => {
    expect(sat('2.0a', ':2.0a')).toBe(true)
    expect(sat('2.0b', ':2.0a')).toBe(false)
    expect(sat('1.2rc2', ':1.2rc1')).toBe(false)
    expect(sat('1.2rc1', ':1.2rc1')).toBe(true)
  })

  it('git versions satisfy through their assigned version', () => {
    expect(sat('git.feature=1.3', '1.2:')).toBe(true)
    expect(sat('git.feature=1.3', ':1.2')).toBe(false)
    expect(sat('git.feature=1.3', '=1.3')).toBe(false)
    expect(sat('git.feature=1.3', 'git.feature=1.3')).toBe(true)
    expect(sat('git.feature=1.3', 'git.other=1.3')).toBe(false)
    expect(sat('git.feature', '1.2:')).toBe(false)
    expect(sat('git.feature', ':')).toBe(true)
  })
})

describe('intersectVersionConstraints', () => {
  const meet = (a: string, b: string): string =>
    formatVersionConstraint(
      intersectVersionConstraints(parseVersionConstraint(a), parseVersionConstraint(b)),
    )

  it('narrows ranges', () => {
    expect(meet('1.27:', ':1.61')).toBe('1.27:1.61')
    expect(meet(':0.110', '0.87:')).toBe('0.87:0.110')
    expect(meet('1.27:', '1.67')).toBe('1.67')
    expect(meet('0.9:', '0.9')).toBe('0.9')
    expect(meet('1.2:1.4', '1.3:')).toBe('1.3:1.4')
    expect(meet('1.2:1.4', '1.4.2:')).toBe('1.4.2:1.4')
    expect(meet('1.0,2.0', '1.0:1.5,2.0.1:')).toBe('1.0,2.0.1:2.0')
    expect(meet(':', '=1.2')).toBe('=1.2')
  })

  it('is empty for disjoint constraints', () => {
    expect(meet('1.2', '1.3')).toBe('')
    expect(meet('=1.2', '1.3:')).toBe('')
    expect(meet(':1.2', '1.3:')).toBe('')
  })
})
