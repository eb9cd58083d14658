// better-sqlite3 ships no type declarations; this declares the part of its API the store uses
// (see the package's docs/api.md), so the store stays fully typed without an extra dependency.
declare module "better-sqlite3" {
  class Database {
    constructor(filename: string, options?: Database.Options)
    readonly name: string
    readonly open: boolean
    pragma(source: string, options: { readonly simple: true }): unknown
    pragma(source: string): Array<unknown>
    exec(source: string): this
    prepare(source: string): Database.Statement
    transaction<Args extends ReadonlyArray<unknown>, Result>(
      body: (...args: Args) => Result
    ): Database.Transaction<Args, Result>
    close(): this
  }

  namespace Database {
    interface Options {
      readonly readonly?: boolean
      readonly fileMustExist?: boolean
      /** Milliseconds to wait on a locked database before failing with SQLITE_BUSY. */
      readonly timeout?: number
    }

    interface RunInfo {
      readonly changes: number
      readonly lastInsertRowid: number | bigint
    }

    interface Statement {
      run(...parameters: ReadonlyArray<unknown>): RunInfo
      get(...parameters: ReadonlyArray<unknown>): unknown
      all(...parameters: ReadonlyArray<unknown>): Array<unknown>
    }

    interface Transaction<Args extends ReadonlyArray<unknown>, Result> {
      (...args: Args): Result
      /** Runs the body under BEGIN IMMEDIATE: takes the write lock before reading. */
      immediate(...args: Args): Result
    }

    class SqliteError extends Error {
      constructor(message: string, code: string)
      readonly code: string
    }
  }

  export = Database
}
