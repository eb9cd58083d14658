#!/usr/bin/env node
// The packages are TypeScript run from source: register tsx's loader, then start the CLI.
import { register } from "tsx/esm/api"

// `pnpm scalelab ...` runs this from the workspace root; pnpm keeps the directory the user typed
// the command in as INIT_CWD. Go back there so relative paths mean what the user meant.
if (process.env.npm_lifecycle_event === "scalelab" && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)

register()
await import("../src/main.ts")
