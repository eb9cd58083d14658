// Every file in test/specs/invalid states the issues it must produce in its header, one comment line
// each: `# expect: LINE:COL: <part of the message>`. The spec package's decoder test and the CLI's
// end-to-end test both check the fixtures against these headers.
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export interface Expectation {
  readonly position: string
  readonly fragment: string
}

export const invalidSpecsFolder = fileURLToPath(new URL("../specs/invalid/", import.meta.url))

export const invalidSpecFiles: ReadonlyArray<string> = readdirSync(invalidSpecsFolder)
  .filter((name) => name.endsWith(".yaml"))
  .sort()

export const expectationsOf = (text: string): ReadonlyArray<Expectation> =>
  [...text.matchAll(/^# expect: (\d+:\d+): (.+)$/gm)].map(([, position, fragment]) => ({
    position: position!,
    fragment: fragment!
  }))

export const expectationsOfFile = (name: string): ReadonlyArray<Expectation> =>
  expectationsOf(readFileSync(`${invalidSpecsFolder}${name}`, "utf8"))
