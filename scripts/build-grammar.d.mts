/** Types of scripts/build-grammar.mjs, for test/python-grammar.test.ts. */
export declare const GRAMMAR_DIR: string
/** The generated parser files (`parser.ts`, `parser.terms.ts`), by name inside GRAMMAR_DIR. */
export declare function generateGrammar(): Promise<Record<string, string>>
