import { Schema } from "effect"

/** Anything that goes wrong with the run store's database file. The message says what to do. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  database: Schema.String,
  operation: Schema.String,
  message: Schema.String
}) {}

const sqliteCode = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return undefined
  return typeof cause.code === "string" ? cause.code : undefined
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** Turns whatever better-sqlite3 (or the file system under it) threw into advice for the user. */
export const storeErrorFrom = (database: string, operation: string) => (cause: unknown): StoreError => {
  if (cause instanceof StoreError) return cause
  const code = sqliteCode(cause) ?? ""
  const detail = describe(cause)
  const make = (message: string) => new StoreError({ database, operation, message })
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return make(
      `The run store ${database} is locked: another scalelab is using it. ` +
        `Wait for that one to finish or stop it, then try again.`
    )
  }
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
    return make(
      `${database} is not a readable scalelab run store (${detail}). ` +
        `Delete it (with its -wal and -shm files) to start over: the next \`scalelab run\` ` +
        `recovers finished runs from the run folders beside it.`
    )
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    return make(
      `${operation}: a row refers to an experiment or run that the run store ${database} does not have. ` +
        `Record the experiment first, and plan a run before recording anything about it.`
    )
  }
  if (
    code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_READONLY") ||
    code.startsWith("SQLITE_IOERR") || code === "SQLITE_FULL" || code === "SQLITE_PERM" ||
    code === "EACCES" || code === "EROFS" || code === "ENOSPC"
  ) {
    return make(
      `Cannot read or write the run store ${database} (${detail}). ` +
        `Check that its folder exists, is writable and has free space, or choose another store folder.`
    )
  }
  return make(`The run store ${database} failed during ${operation}: ${detail}`)
}
