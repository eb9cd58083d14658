// The token streams a run trains and validates on, written as flat binary files for a trainer in
// another language: the same corpus, split, tokenizer, document order and packing as the built-in
// trainer, because they come from its own tokenStreams. See docs/training.md ("Exporting the data").
import { createHash } from "node:crypto"
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { RunCorpus, Tokenizer } from "@scalelab/spec"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import type { TokenStream } from "./batches.ts"
import { documentSeparator } from "./batches.ts"
import type { StreamSettings, TokenStreams } from "./trainingData.ts"

/** Changes whenever the files' layout or meta.json's meaning changes. */
export const TOKEN_EXPORT_FORMAT = "scalelab-tokens-1"

export type TokenDtype = "uint16" | "uint32"

/** The narrowest little-endian width that holds every token id of `vocab`. */
export const tokenDtype = (vocab: number): TokenDtype => (vocab <= 0x10000 ? "uint16" : "uint32")

/** `values` as little-endian unsigned integers of `bytes` bytes each, whatever the host's byte order. */
function littleEndian(values: ArrayLike<number>, bytes: 2 | 4): Uint8Array {
  const out = new Uint8Array(values.length * bytes)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) {
    if (bytes === 2) view.setUint16(i * 2, values[i] as number, true)
    else view.setUint32(i * 4, values[i] as number, true)
  }
  return out
}

/** What a run adds to the streams: how its fixed validation windows are cut from val.bin. */
export interface ExportedRun {
  readonly id: string
  readonly context: number
  readonly val_tokens: number
  readonly document_masking: boolean
}

interface StreamFiles {
  readonly tokens: string
  readonly documents: string
  readonly token_count: number
  readonly document_count: number
  readonly tokens_sha256: string
  readonly documents_sha256: string
}

export interface TokenExportMeta {
  readonly format: typeof TOKEN_EXPORT_FORMAT
  readonly dtype: TokenDtype
  readonly documents_dtype: "uint32"
  readonly vocab: number
  readonly tokenizer: Tokenizer
  /** For BPE: the file holding its merges, in training order (token 256 + i joins merges[i]). */
  readonly merges?: string
  readonly corpus: RunCorpus
  readonly split: {
    readonly validation: number
    readonly train_tokens: number | null
    readonly document_separator: string
  }
  readonly train: StreamFiles
  readonly val: StreamFiles
  readonly run?: ExportedRun
}

export const tokenExportFiles = {
  meta: "meta.json",
  merges: "merges.json",
  train: { tokens: "train.bin", documents: "train.docs.bin" },
  val: { tokens: "val.bin", documents: "val.docs.bin" }
} as const

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/**
 * Writes the streams into `outDir`: `<split>.bin` the tokens, `<split>.docs.bin` where each document
 * begins (uint32, ascending from 0: TokenStream.documentStarts), and meta.json. Every file is
 * written atomically and meta.json last, after removing any earlier one, so a meta.json present
 * means a complete export. Nothing depends on the time or the folder: the same data gives the same bytes.
 */
export function writeTokenExport(
  outDir: string,
  settings: StreamSettings,
  streams: TokenStreams,
  run?: ExportedRun
): TokenExportMeta {
  const dtype = tokenDtype(settings.vocab)
  mkdirSync(outDir, { recursive: true })
  rmSync(join(outDir, tokenExportFiles.meta), { force: true })
  const writeStream = (stream: TokenStream, names: { readonly tokens: string; readonly documents: string }): StreamFiles => {
    const tokens = littleEndian(stream.tokens, dtype === "uint16" ? 2 : 4)
    const documents = littleEndian(stream.documentStarts, 4)
    writeFileAtomically(join(outDir, names.tokens), tokens)
    writeFileAtomically(join(outDir, names.documents), documents)
    return {
      ...names,
      token_count: stream.tokens.length,
      document_count: stream.documentStarts.length,
      tokens_sha256: sha256(tokens),
      documents_sha256: sha256(documents)
    }
  }
  const train = writeStream(streams.train, tokenExportFiles.train)
  const val = writeStream(streams.validation, tokenExportFiles.val)
  if (streams.merges !== undefined) {
    writeFileAtomically(join(outDir, tokenExportFiles.merges), `${JSON.stringify(streams.merges)}\n`)
  } else {
    rmSync(join(outDir, tokenExportFiles.merges), { force: true })
  }
  const meta: TokenExportMeta = {
    format: TOKEN_EXPORT_FORMAT,
    dtype,
    documents_dtype: "uint32",
    vocab: settings.vocab,
    tokenizer: settings.tokenizer,
    ...(streams.merges === undefined ? {} : { merges: tokenExportFiles.merges }),
    corpus: settings.corpus,
    split: { validation: settings.validation, train_tokens: settings.train_tokens ?? null, document_separator: documentSeparator },
    train,
    val,
    ...(run === undefined ? {} : { run })
  }
  writeFileAtomically(join(outDir, tokenExportFiles.meta), `${JSON.stringify(meta, null, 2)}\n`)
  return meta
}
