/**
 * GitLab's CI JSON schema (../shared/schemas/gitlab-ci.schema.json, the one GitLab's pipeline
 * editor uses) compiled with ajv, for validating generated pipelines one YAML document at a
 * time. The schema is draft-07 and uses GitLab's own keywords (`markdownDescription`), so ajv runs
 * with `strict: false`; formats (`uri`, `uri-reference`) are not checked. `undefined` when
 * ../shared is absent: tests then skip with a message.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject } from 'ajv'
import { parseAllDocuments } from 'yaml'

export const GITLAB_SCHEMA_PATH = fileURLToPath(
  new URL('../../../shared/schemas/gitlab-ci.schema.json', import.meta.url),
)

export const GITLAB_SCHEMA_PRESENT = existsSync(GITLAB_SCHEMA_PATH)

export const SKIP_MESSAGE = `needs ${GITLAB_SCHEMA_PATH} (the GitLab CI schema); skipped when absent`

export type GitlabValidator = (document: unknown) => ErrorObject[]

let compiled: GitlabValidator | undefined

/** Errors of one parsed YAML document against the schema (empty: valid). */
export function gitlabSchemaErrors(document: unknown): ErrorObject[] {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(GITLAB_SCHEMA_PATH, 'utf8')) as Record<string, unknown>
    if (schema.$schema !== 'http://json-schema.org/draft-07/schema#')
      throw new Error(`expected a draft-07 schema, got ${String(schema.$schema)}`)
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
    const validate = ajv.compile(schema)
    compiled = (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])])
  }
  return compiled(document)
}

/** Every document of a YAML text, parsed (YAML errors throw). */
export function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw d.errors[0]
    return d.toJS()
  })
}

/** Schema errors of each document of a YAML text, as short lines (empty: all valid). */
export function gitlabYamlErrors(text: string): string[] {
  return yamlDocuments(text).flatMap((doc, i) =>
    gitlabSchemaErrors(doc).map((e) => `document ${i + 1}: ${e.instancePath || '/'} ${e.message}`),
  )
}
