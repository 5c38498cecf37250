import { z } from 'zod'
import { configSchema } from './config-schema.js'

/** The JSON Schema of `.binary-check.yml`, for editors (generated into schema/ by the build). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input' }),
    $id: 'https://binary-check.dev/schema/binary-check.schema.json',
    title: 'binary-check configuration (.binary-check.yml)',
  }
}
