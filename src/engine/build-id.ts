/**
 * Which build of binary-check is running: the bundler stamps a hash of `src/` into the bundle, so
 * caches written by another build (whose parser or rules may differ) are never read back. Run from
 * sources (tests), it is `source`.
 */
declare const __BINARY_CHECK_BUILD__: string | undefined

export const BUILD_ID: string =
  typeof __BINARY_CHECK_BUILD__ === 'string' ? __BINARY_CHECK_BUILD__ : 'source'
