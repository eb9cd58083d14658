import { Schema } from "effect"

/** The request named something the dashboard cannot accept (a missing or malformed parameter): 400. */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  message: Schema.String
}) {}

/** The request named a run or experiment that the store does not have: 404. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}) {}

/** A file the dashboard serves is missing from the installation (node_modules or the package). */
export class AssetMissing extends Schema.TaggedError<AssetMissing>()("AssetMissing", {
  path: Schema.String,
  message: Schema.String
}) {}
