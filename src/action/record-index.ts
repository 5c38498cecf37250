import { runRecord } from './record-main.js'

await runRecord()
