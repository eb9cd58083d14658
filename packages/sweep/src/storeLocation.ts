import { accessSync, constants, existsSync, statSync, type Stats } from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { databasePath } from "@scalelab/runner"
import { defaultStoreDir } from "@scalelab/spec"
import { UserInputError } from "./inputError.ts"

// A spec's runs live in `.scalelab/` beside the spec unless `--store` says otherwise (README.md, docs/fitting.md).
export { defaultStoreDir }

/** What a command does with its store: reading needs a folder it may read; writing, one it may write in. */
export type StoreUse = "read" | "write"

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined

/**
 * `dir` itself, or the closest folder above it that exists: where the store is, or will be created.
 * `stats` is absent when the path cannot be looked at (no permission to search a folder on the way).
 */
const closestExisting = (dir: string): { readonly at: string; readonly stats?: Stats; readonly reason?: string } => {
  const parent = path.dirname(dir)
  try {
    return { at: dir, stats: statSync(dir) }
  } catch (error) {
    const code = errorCode(error)
    // A missing path, or one that runs through a file, is looked for higher up; the root always exists.
    if ((code === "ENOENT" || code === "ENOTDIR") && parent !== dir) return closestExisting(parent)
    return { at: dir, reason: error instanceof Error ? error.message : String(error) }
  }
}

const mayAccess = (dir: string, mode: number): boolean => {
  try {
    accessSync(dir, mode)
    return true
  } catch {
    return false
  }
}

/** A folder a command takes by a flag: the flag, and what the folder is and holds, for its messages. */
export interface FolderRole {
  readonly flag: string
  readonly noun: string
  readonly holds: string
}

const storeRole: FolderRole = { flag: "--store", noun: "store", holds: "the runs, caches and reports" }

/**
 * Checks, before anything reads or writes it, that the folder `dir` can serve `use`: a file given
 * as the folder, an empty path, or a folder without permission is one clear input error rather than
 * a failure deep inside whatever touched it first (or, for a report, after the whole fit).
 */
export const checkedFolder = (dir: string, use: StoreUse, role: FolderRole): Effect.Effect<string, UserInputError> =>
  Effect.suspend(() => {
    const fail = (problem: string) => Effect.fail(new UserInputError({ message: `${role.noun} ${dir === "" ? '""' : dir}: ${problem}` }))
    const pass = `pass ${role.flag} a folder`
    if (dir.trim() === "") return fail(`an empty path names no folder; ${pass} (it is created if missing)`)
    const { at, stats, reason } = closestExisting(path.resolve(dir))
    const exists = at === path.resolve(dir)
    if (stats === undefined) return fail(`cannot be reached (${reason}); ${pass} you can ${use} in`)
    if (!stats.isDirectory()) {
      return fail(exists
        ? `not a folder (it is a file); a ${role.noun} is a folder that holds ${role.holds}: ${pass} (it is created if missing)`
        : `cannot be created, because ${at} is a file, not a folder; ${pass} (it is created if missing)`)
    }
    if (use === "read" && exists && !mayAccess(at, constants.R_OK | constants.X_OK)) {
      return fail(`no permission to read it; ${pass} you can read`)
    }
    if (use === "write" && !mayAccess(at, constants.R_OK | constants.W_OK | constants.X_OK)) {
      return fail(exists
        ? `no permission to write there (the ${role.noun} holds ${role.holds}); make the folder writable, or ${pass} you can write in`
        : `cannot be created: no permission to write in ${at}; ${pass} you can write in`)
    }
    return Effect.succeed(dir)
  })

/** checkedFolder for a run store (`--store`): every command that takes a store comes through here. */
export const checkedStore = (dir: string, use: StoreUse): Effect.Effect<string, UserInputError> => checkedFolder(dir, use, storeRole)

/** The store of a command on `specFile`: `--store` when given, else the default beside the spec; checked for `use`. */
export const storeDirFor = (specFile: string, storeFlag: string | undefined, use: StoreUse): Effect.Effect<string, UserInputError> =>
  checkedStore(storeFlag ?? defaultStoreDir(specFile), use)

/**
 * The store a command that only looks at runs (`runs`, `ui`) reads: `--store`, else the spec's.
 * Opening a store creates it, so one that does not exist yet is an input error, not an empty store.
 * `sayWhich` is the message for a command given neither.
 */
export const existingStoreFor = (specFile: string | undefined, storeFlag: string | undefined, sayWhich: string) =>
  Effect.gen(function*() {
    const named = storeFlag ?? (specFile === undefined ? undefined : defaultStoreDir(specFile))
    if (named === undefined) return yield* new UserInputError({ message: sayWhich })
    const storeDir = yield* checkedStore(named, "read")
    if (!existsSync(databasePath(storeDir))) {
      return yield* new UserInputError({
        message: `no run store at ${storeDir} (no ${databasePath(storeDir)}): run \`scalelab run SPEC\` first, or pass --store DIR`
      })
    }
    return storeDir
  })
