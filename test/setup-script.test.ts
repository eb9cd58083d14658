// scripts/setup.sh on machines that lack what it installs. The package manager is replaced by shims
// on PATH (dpkg-query answers from a list of installed packages, apt-get records what it was asked
// to do), so each test plays a different machine: a bare Debian 12, one that already has
// everything, one whose apt-get fails. Only the system-package steps run (SCALELAB_SETUP_STEPS=
// system); pnpm and the workspace are what the rest of the test suite runs on.
import { execFile } from "node:child_process"
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"

const setupScript = fileURLToPath(new URL("../scripts/setup.sh", import.meta.url))

interface Machine {
  /** Debian packages dpkg-query reports as installed, with their versions. */
  readonly installed: Readonly<Record<string, string>>
  /** Lines of the machine's /etc/apt/sources.list.d/debian.sources. */
  readonly sources?: string
  /** `apt-get install` exits with this status (0: it succeeds). */
  readonly aptInstallStatus?: number
}

interface SetupOutcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** Each apt-get call's arguments, one line per call. */
  readonly aptCalls: ReadonlyArray<string>
  /** The bookworm-backports source the script wrote, if it wrote one. */
  readonly backportsSource: string | undefined
}

const bookworm = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n'
const debianSources = "Types: deb\nURIs: http://deb.example.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
const everyPackage = { "fonts-dejavu-core": "2.37-6", python3: "3.11.2-1", "python3-pytest": "7.2.1-2", chromium: "156.0-1", "mesa-vulkan-drivers": "25.0.7-2~bpo12+1" }

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-setup-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const writeExecutable = async (path: string, text: string) => {
  await writeFile(path, text)
  await chmod(path, 0o755)
}

const runSetup = async (machine: Machine): Promise<SetupOutcome> => {
  const bin = join(dir, "bin")
  const apt = join(dir, "apt")
  await mkdir(bin)
  await mkdir(join(apt, "sources.list.d"), { recursive: true })
  await writeFile(join(apt, "sources.list.d", "debian.sources"), machine.sources ?? debianSources)
  await writeFile(join(dir, "os-release"), bookworm)
  const installedList = Object.entries(machine.installed).map(([name, version]) => `${name} ${version}`).join("\n")
  await writeFile(join(dir, "installed"), `${installedList}\n`)
  // dpkg-query -W -f='${Status} ${Version}' NAME: exit 1 and print nothing for an unknown package,
  // as the real one does.
  await writeExecutable(
    join(bin, "dpkg-query"),
    `#!/bin/sh
name=$(eval echo \\$$#)
version=$(awk -v n="$name" '$1 == n { print $2 }' "${join(dir, "installed")}")
[ -n "$version" ] || { echo "dpkg-query: no packages found matching $name" >&2; exit 1; }
printf 'install ok installed %s' "$version"
`
  )
  await writeExecutable(
    join(bin, "apt-get"),
    `#!/bin/sh
echo "$*" >> "${join(dir, "apt-calls")}"
case " $* " in *" install "*) exit ${machine.aptInstallStatus ?? 0} ;; esac
`
  )
  await writeExecutable(join(bin, "sudo"), '#!/bin/sh\nexec "$@"\n')
  return new Promise((resolve) => {
    execFile(
      "bash",
      [setupScript],
      {
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH ?? ""}`,
          SCALELAB_SETUP_STEPS: "system",
          SCALELAB_OS_RELEASE: join(dir, "os-release"),
          SCALELAB_APT_SOURCES: apt
        }
      },
      async (error, stdout, stderr) => {
        const aptCalls = (await readFile(join(dir, "apt-calls"), "utf8").catch(() => "")).split("\n").filter((line) => line !== "")
        const backportsSource = await readFile(join(apt, "sources.list.d", "bookworm-backports.sources"), "utf8").catch(() => undefined)
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr, aptCalls, backportsSource })
      }
    )
  })
}

describe("scripts/setup.sh", () => {
  it("on a bare Debian 12 installs every system package, Mesa from bookworm-backports, and goes on", async () => {
    const outcome = await runSetup({ installed: {} })
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    expect(outcome.aptCalls).toContain("install -y -qq fonts-dejavu-core python3 python3-pytest chromium")
    expect(outcome.aptCalls).toContain("install -y -qq -t bookworm-backports mesa-vulkan-drivers")
    // apt's lists are refreshed before the first install and again after the new suite is added.
    expect(outcome.aptCalls.filter((call) => call === "update -qq")).toHaveLength(2)
    expect(outcome.backportsSource).toContain("URIs: http://deb.example.org/debian")
    expect(outcome.backportsSource).toContain("Suites: bookworm-backports")
    expect(outcome.stdout).toContain("setup: system packages done")
  })

  it.each(Object.keys(everyPackage))("on a machine lacking only %s installs that one and goes on", async (lacking) => {
    const installed = Object.fromEntries(Object.entries(everyPackage).filter(([name]) => name !== lacking))
    const outcome = await runSetup({ installed })
    expect(outcome.code).toBe(0)
    const installs = outcome.aptCalls.filter((call) => call.startsWith("install "))
    expect(installs).toHaveLength(1)
    expect(installs[0]?.endsWith(` ${lacking}`)).toBe(true)
    expect(outcome.stdout).toContain("setup: system packages done")
  })

  it("replaces a Mesa older than 25 with the backported one", async () => {
    const outcome = await runSetup({ installed: { ...everyPackage, "mesa-vulkan-drivers": "22.3.6-1+deb12u1" } })
    expect(outcome.code).toBe(0)
    expect(outcome.aptCalls).toContain("install -y -qq -t bookworm-backports mesa-vulkan-drivers")
  })

  it("on a machine that has everything installs nothing", async () => {
    const outcome = await runSetup({ installed: everyPackage })
    expect(outcome.code).toBe(0)
    expect(outcome.aptCalls).toEqual([])
    expect(outcome.backportsSource).toBeUndefined()
  })

  it("names the step that failed when apt-get install fails", async () => {
    const outcome = await runSetup({ installed: { python3: "3.11.2-1" }, aptInstallStatus: 100 })
    expect(outcome.code).toBe(100)
    expect(outcome.stderr).toContain('setup: FAILED at step "installing system packages: fonts-dejavu-core python3-pytest chromium" (exit 100')
    expect(outcome.stdout).not.toContain("system packages done")
  })

  it("says what to do when no bookworm apt source is there to add backports from", async () => {
    const outcome = await runSetup({ installed: { ...everyPackage, "mesa-vulkan-drivers": "22.3.6-1" }, sources: "Types: deb\n" })
    expect(outcome.code).toBe(1)
    expect(outcome.stderr).toContain('setup: FAILED at step "adding the bookworm-backports apt suite"')
    expect(outcome.stderr).toContain("install mesa-vulkan-drivers >= 25 yourself")
    expect(outcome.backportsSource).toBeUndefined()
  })
})
