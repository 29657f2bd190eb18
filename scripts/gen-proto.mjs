// Regenerates proto/generated/ (static protobufjs code: reflection needs eval, which workerd forbids).
// Run `npm run proto` after editing a .proto file; the output is committed so builds need no codegen.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";

// Every schema in proto/, into one static module: new .proto files need no change here.
const protos = readdirSync("proto").filter((f) => f.endsWith(".proto")).sort().map((f) => `proto/${f}`);
mkdirSync("proto/generated", { recursive: true });
const bin = (name) => `node_modules/.bin/${name}`;
execFileSync(bin("pbjs"), [
  "-t", "static-module", "-w", "esm", "--no-create", "--no-convert", "--no-verify", "--no-delimited", "--no-typeurl",
  "-o", "proto/generated/parley.js", ...protos,
], { stdio: "inherit" });
execFileSync(bin("pbts"), ["-o", "proto/generated/parley.d.ts", "proto/generated/parley.js"], { stdio: "inherit" });
console.log("wrote proto/generated/parley.{js,d.ts}");
