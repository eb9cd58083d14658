// A real HTTP server on 127.0.0.1 that serves files from a table the test sets, and records the
// paths asked for: the stand-in for a dataset's source repository, which tests cannot reach.
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface FileServer {
  /** `http://127.0.0.1:PORT`: a dataset's URL base. */
  readonly urlBase: string
  /** Bodies by path (`/runs.csv`); a path not here answers 404. */
  served: Record<string, string | Buffer>
  /** The paths asked for, in order. */
  readonly requests: Array<string>
  readonly close: () => Promise<void>
}

export const startFileServer = async (): Promise<FileServer> => {
  const requests: Array<string> = []
  const server = createServer((request, response) => {
    requests.push(request.url ?? "")
    const body = files.served[request.url ?? ""]
    if (body === undefined) response.writeHead(404).end("not found")
    else response.writeHead(200, { "content-type": "text/csv" }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const files: FileServer = {
    urlBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: {},
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return files
}
