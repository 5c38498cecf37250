/** The part of jsdom the tests use (its own @types package brings a second, clashing undici-types). */
declare module 'jsdom' {
  export class JSDOM {
    constructor(html: string)
    readonly window: { document: unknown } & Record<string, unknown>
  }
}
