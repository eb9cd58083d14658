import type { RunFolderError, StoreError } from "@scalelab/runner"
import { HttpServerResponse } from "effect/http"
import type { AssetMissing, BadRequest, NotFound } from "./errors.ts"

// Vega compiles its expressions with `new Function` and vega-embed adds a <style> element, hence
// 'unsafe-eval' and inline styles; everything else comes from this server only.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join("; ")

/** Headers on every answer: no sniffing, no framing, no caching of live data. */
export const securityHeaders = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
} as const

export const jsonResponse = (body: unknown, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: securityHeaders })

export type RequestFailure = BadRequest | NotFound | StoreError | RunFolderError | AssetMissing

/** The failure as a JSON answer `{ error }` with its status: the caller's fault (4xx) or ours (500). */
export const failureResponse = (failure: RequestFailure): HttpServerResponse.HttpServerResponse => {
  switch (failure._tag) {
    case "BadRequest":
      return jsonResponse({ error: failure.message }, 400)
    case "NotFound":
      return jsonResponse({ error: failure.message }, 404)
    case "StoreError":
    case "RunFolderError":
    case "AssetMissing":
      return jsonResponse({ error: failure.message }, 500)
  }
}
