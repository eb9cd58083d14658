import { request } from "node:http"
import { rmSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  appendMetricLines,
  experiment,
  liveFloor,
  lossOnParabola,
  makeFixtureStore,
  metricLines,
  type RunningDashboard,
  runs,
  startDashboard
} from "./dashboardFixture.ts"

/** A GET with the path sent exactly as written: fetch() would resolve "/../x" to "/x" first. */
const rawGet = (port: number, path: string, host = `127.0.0.1:${port}`) =>
  new Promise<{ status: number; body: string; headers: Record<string, string | Array<string> | undefined> }>((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port, path, method: "GET", headers: { host } }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (body += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }))
    })
    outgoing.on("error", reject)
    outgoing.end()
  })

const getJson = async (port: number, path: string) => {
  const response = await rawGet(port, path)
  return { status: response.status, json: JSON.parse(response.body) as Record<string, unknown> }
}

describe("the dashboard server", () => {
  let storeDir = ""
  let dashboard: RunningDashboard

  beforeAll(async () => {
    storeDir = await makeFixtureStore()
    dashboard = await startDashboard(storeDir)
  })
  afterAll(async () => {
    await dashboard.close()
    rmSync(storeDir, { recursive: true, force: true })
  })

  it("serves the page and the Vega scripts from its own allow-list, with a restrictive policy", async () => {
    const page = await rawGet(dashboard.port, "/")
    expect(page.status).toBe(200)
    expect(page.headers["content-type"]).toContain("text/html")
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'")
    const scripts = [...page.body.matchAll(/<script src="([^"]+)" defer>/g)].map((match) => match[1] ?? "")
    expect(scripts).toEqual(["/vendor/vega.min.js", "/vendor/vega-lite.min.js", "/vendor/vega-embed.min.js", "/dashboard.js"])
    for (const script of scripts) {
      const response = await rawGet(dashboard.port, script)
      expect(response.status).toBe(200)
      expect(response.body.length).toBeGreaterThan(1000)
    }
  })

  it("lists experiments, runs with their losses, a run's metric lines, and the fit", async () => {
    expect((await getJson(dashboard.port, "/api/experiments")).json).toEqual({ experiments: [experiment] })

    const listed = await getJson(dashboard.port, `/api/runs?experiment=${experiment}`)
    expect(listed.status).toBe(200)
    const rows = listed.json["runs"] as Array<{ id: string; status: string; loss: number | null; attempts: number }>
    expect(rows.map((row) => [row.id, row.status, row.loss, row.attempts])).toEqual([
      [runs.small.id, "completed", lossOnParabola(runs.small.params), 1],
      [runs.live.id, "running", null, 1],
      [runs.large.id, "completed", lossOnParabola(runs.large.params), 1]
    ])

    const finished = await getJson(dashboard.port, `/api/metrics?run=${runs.small.id}`)
    expect((finished.json["lines"] as Array<unknown>).length).toBe(20)
    // A running run has no lines in the store yet: they come from its folder's metrics.jsonl.
    const live = await getJson(dashboard.port, `/api/metrics?run=${runs.live.id}`)
    expect(live.json["lines"]).toEqual(metricLines(6, 0, liveFloor))

    const fit = (await getJson(dashboard.port, `/api/fit?experiment=${experiment}`)).json["fit"] as Record<string, unknown>
    expect(fit["forecasts"]).toEqual([{ compute: 1e15, params: 2e6, tokens: 8e7, loss: null }])
    expect(JSON.stringify(fit["spec"])).toContain("parabola")
    expect((await getJson(dashboard.port, "/api/fit?experiment=unknown")).json).toEqual({ fit: null })
  })

  it.each([
    "/../package.json",
    "/%2e%2e/package.json",
    "/%2e%2e%2fpackage.json",
    "/vendor/../../package.json",
    "/vendor/%2e%2e/%2e%2e/package.json",
    "/vendor/..%2f..%2fpackage.json",
    "/dashboard.js/../../package.json",
    "/etc/passwd",
    "//etc/passwd",
    "/vendor/vega.js",
    "/api/unknown"
  ])("answers %s with 404 and no file", async (path) => {
    const response = await rawGet(dashboard.port, path)
    expect(response.status).toBe(404)
    expect(response.body).not.toContain("scalelab")
    expect(response.body).not.toContain("root:")
  })

  it.each([
    ["/api/runs", "experiment"],
    ["/api/runs?experiment=", "experiment"],
    ["/api/runs?experiment=a&experiment=b", "exactly one"],
    ["/api/metrics", "run"],
    ["/api/metrics?run=../../etc/passwd", "is not a run id"],
    ["/api/metrics?run=%2e%2e%2f", "is not a run id"],
    ["/api/fit?experiment=%00", "is not an experiment name"]
  ])("answers %s with 400 naming the parameter", async (path, problem) => {
    const response = await getJson(dashboard.port, path)
    expect(response.status).toBe(400)
    expect(String(response.json["error"])).toContain(problem)
  })

  it("answers a run it does not have with 404", async () => {
    expect((await getJson(dashboard.port, "/api/metrics?run=ffffffffffffffff")).status).toBe(404)
  })

  it("refuses requests addressed to another host name (DNS rebinding)", async () => {
    const response = await rawGet(dashboard.port, "/api/experiments", "attacker.example:80")
    expect(response.status).toBe(400)
  })

  it("pushes the store's state, then a running run's new metric lines, over the event stream", async () => {
    const received: Array<{ type: string; run?: string; reset?: boolean; lines?: Array<{ step: number }> }> = []
    const controller = new AbortController()
    const response = await fetch(`${dashboard.url}/api/events`, { signal: controller.signal })
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffered = ""
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const chunk = await reader.read()
        if (chunk.done) throw new Error("the event stream ended")
        buffered += chunk.value
        const frames = buffered.split("\n\n")
        buffered = frames.pop() ?? ""
        for (const frame of frames) if (frame.startsWith("data: ")) received.push(JSON.parse(frame.slice(6)))
      }
    }
    try {
      await readUntil(() => received.some((event) => event.type === "fit"))
      expect(received.filter((event) => event.type === "run").length).toBe(3)
      expect(received.find((event) => event.type === "metrics")).toMatchObject({ run: runs.live.id, reset: true })

      appendMetricLines(storeDir, runs.live.id, metricLines(2, 6, liveFloor))
      const started = Date.now()
      await readUntil(() => received.some((event) => event.type === "metrics" && event.reset === false))
      expect(Date.now() - started).toBeLessThan(3000)
      const appended = received.find((event) => event.type === "metrics" && event.reset === false)
      expect(appended?.lines?.map((line) => line.step)).toEqual([7, 8])
    } finally {
      controller.abort()
    }
  })
})
