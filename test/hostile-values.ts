/**
 * Hostile values for names, versions, variant values, spec ids, tags and file names (issue 10 §3):
 * each must be refused with a one-line error or come out inert (escaped, inside the mirror, never
 * a YAML key, a shell word or a GitHub expression). Shared by test/hostile-names.test.ts and any
 * later renderer's tests (`it.each(HOSTILE_VALUES)`).
 */

export interface HostileValue {
  /** What it is, for test titles. */
  readonly label: string
  readonly value: string
  /** Whether a file or directory can carry it as a name on Linux (no `/`, no NUL, ≤ 255 bytes). */
  readonly fileName: boolean
}

function hostile(label: string, value: string): HostileValue {
  const fileName =
    !value.includes('/') && !value.includes('\u0000') && Buffer.byteLength(value) <= 255
  return { label, value, fileName }
}

export const HOSTILE_VALUES: readonly HostileValue[] = [
  hostile('a parent path', '../../etc/x'),
  hostile('an absolute path', '/etc/passwd'),
  hostile('a newline and a workflow command', 'a\n::set-output name=matrix::{}'),
  hostile('a carriage return and a workflow command', 'a\r::add-mask::b'),
  hostile('a NUL', 'a\u0000b'),
  hostile('a GitHub expression', '${{ github.token }}'),
  hostile('a shell substitution', '$(id)'),
  hostile('a YAML key', 'a: b'),
  hostile('a YAML comment', '#x'),
  hostile('a YAML anchor', '&a'),
  hostile('a YAML alias', '*a'),
  hostile('a YAML list item', '- x'),
  hostile('10 kB', 'x'.repeat(10_000)),
  hostile('a Cyrillic look-alike', 'zl\u0456b'),
  hostile('fullwidth letters', '\uff5a\uff4c\uff49\uff42'),
  hostile('an RTL override', 'zlib\u202egpj'),
  hostile('a zero-width joiner', 'zl\u200dib'),
  hostile('a spec spoof', '1.0 +cuda'),
]

/** Characters a value may hold in any CI-facing output (render/safe-values.ts). */
export const SAFE_OUTPUT = /^[A-Za-z0-9@%+~=^:.,_/ -]*$/

/** A printed line holds no raw control or invisible character (they must come out escaped). */
export const INVISIBLE_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/
