// prestart / pretest hook (and CI's install step): installs dependencies when they are
// missing or older than the lockfile, so `npm start` and `npm test` are the only commands a
// fresh clone needs. Uses nothing but Node built-ins: it runs before node_modules exists, on
// any Node >= 20.
//
// wrangler, miniflare and vitest need Node >= 22.12. Run on an older Node, npm would warn
// about each of them (EBADENGINE) and the tools would not start, so the install itself runs
// on Node 22: taken from the registry's `node` package (the version the lockfile pins) into
// .parley/toolchain, once. Afterwards npm scripts find Node 22 in node_modules/.bin.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

const INSTALLED = "node_modules/.package-lock.json";
const TOOLCHAIN = resolve(".parley/toolchain");
const MIN_NODE = [22, 12];

const atLeast = (version, [major, minor]) => {
  const [a, b] = version.split(".").map(Number);
  return a > major || (a === major && b >= minor);
};

/** A directory holding a `node` binary new enough for the tools, or null when the running Node already is. */
function nodeForTools() {
  if (atLeast(process.versions.node, MIN_NODE)) return null;
  const bin = join(TOOLCHAIN, "node_modules", ".bin");
  if (existsSync(join(bin, "node"))) return bin;
  const pinned = JSON.parse(readFileSync("package-lock.json", "utf8")).packages["node_modules/node"]?.version;
  if (!pinned) throw new Error("package-lock.json does not pin the `node` package");
  console.log(`Node ${process.versions.node} is older than the ${MIN_NODE.join(".")} that wrangler needs: fetching Node ${pinned} from the npm registry into ${TOOLCHAIN}`);
  mkdirSync(TOOLCHAIN, { recursive: true });
  writeFileSync(
    join(TOOLCHAIN, "package.json"),
    JSON.stringify({ private: true, dependencies: { node: pinned }, allowScripts: { node: true } }, null, 2),
  );
  execFileSync("npm", ["install", "--prefix", TOOLCHAIN, "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"], { stdio: "inherit" });
  return bin;
}

const stale = !existsSync(INSTALLED) || statSync("package-lock.json").mtimeMs > statSync(INSTALLED).mtimeMs;
if (stale || process.argv.includes("--clean")) {
  const bin = nodeForTools();
  const env = bin ? { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` } : process.env;
  // `npm ci`: exactly the lockfile, which it never rewrites, so a fresh clone stays clean.
  console.log(`installing dependencies (npm ci, on Node ${execFileSync("node", ["--version"], { env }).toString().trim()})...`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit", env });
}
