// prestart / pretest hook: installs dependencies when they are missing or older than the
// lockfile, so `npm start` and `npm test` are the only commands a fresh clone needs.
// Uses nothing but Node built-ins: it runs before node_modules exists, on any Node >= 20.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const installed = "node_modules/.package-lock.json";
const stale = !existsSync(installed) || statSync("package-lock.json").mtimeMs > statSync(installed).mtimeMs;
if (stale) {
  // Not `npm ci`: see .ci/run for why the lockfile and npm ci disagree on optional binaries.
  console.log("installing dependencies (npm install)...");
  execSync("npm install --no-audit --no-fund", { stdio: "inherit" });
}
