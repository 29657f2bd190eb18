// A real provider backend for the workerd tests (Vitest globalSetup, runs in Node): the
// JWKS the gateway polls and the push webhook it calls. Each provider under test gets its
// own path; tests publish keys, switch failure modes and read received pushes through the
// control routes, while the gateway talks to /p/<name>/jwks.json and /p/<name>/push for real.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

export type JwksMode = "ok" | "down" | "slow" | "huge" | "garbage" | "redirect";

interface Endpoint {
  jwks: string;
  mode: JwksMode;
  requests: number;
  notModified: number;
  /** Answer this many pushes with 503 before accepting. */
  pushFailures: number;
  pushes: { status: number; headers: Record<string, string>; body: string }[];
}

const endpoints = new Map<string, Endpoint>();

function endpoint(name: string): Endpoint {
  let e = endpoints.get(name);
  if (!e) endpoints.set(name, (e = { jwks: JSON.stringify({ keys: [] }), mode: "ok", requests: 0, notModified: 0, pushFailures: 0, pushes: [] }));
  return e;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^\/p\/([a-z0-9-]+)\/(jwks\.json|keys|mode|stats|push|push-failures|pushes)$/.exec(req.url ?? "");
  if (!m) return void res.writeHead(404).end();
  const e = endpoint(m[1]!);
  const route = m[2]!;
  if (route === "keys" && req.method === "PUT") {
    e.jwks = await body(req);
    return void res.writeHead(204).end();
  }
  if (route === "mode" && req.method === "PUT") {
    e.mode = (await body(req)) as JwksMode;
    return void res.writeHead(204).end();
  }
  if (route === "push" && req.method === "POST") {
    const status = e.pushFailures > 0 ? 503 : 204;
    if (e.pushFailures > 0) e.pushFailures--;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    e.pushes.push({ status, headers, body: await body(req) });
    return void res.writeHead(status).end();
  }
  if (route === "push-failures" && req.method === "PUT") {
    e.pushFailures = Number(await body(req));
    return void res.writeHead(204).end();
  }
  if (route === "pushes") {
    res.writeHead(200, { "Content-Type": "application/json" });
    return void res.end(JSON.stringify(e.pushes));
  }
  if (route === "stats") {
    res.writeHead(200, { "Content-Type": "application/json" });
    return void res.end(JSON.stringify({ requests: e.requests, notModified: e.notModified }));
  }
  e.requests++;
  switch (e.mode) {
    case "down":
      return void res.writeHead(503).end("unavailable");
    case "slow":
      // Longer than the gateway's fetch timeout; the socket is left to the client to abandon.
      setTimeout(() => res.writeHead(200).end(e.jwks), 8000);
      return;
    case "huge":
      res.writeHead(200, { "Content-Type": "application/json" });
      return void res.end(JSON.stringify({ keys: [], padding: "x".repeat(512 * 1024) }));
    case "garbage":
      return void res.writeHead(200, { "Content-Type": "application/json" }).end("{not json");
    case "redirect":
      return void res.writeHead(302, { Location: "http://169.254.169.254/latest" }).end();
    case "ok": {
      const etag = `"${createHash("sha256").update(e.jwks).digest("hex").slice(0, 16)}"`;
      if (req.headers["if-none-match"] === etag) {
        e.notModified++;
        return void res.writeHead(304, { ETag: etag }).end();
      }
      res.writeHead(200, { "Content-Type": "application/json", ETag: etag });
      return void res.end(e.jwks);
    }
  }
}

let server: Server;

export async function setup(project: TestProject): Promise<void> {
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  project.provide("providerServerUrl", `http://127.0.0.1:${port}`);
}

export async function teardown(): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module "vitest" {
  export interface ProvidedContext {
    providerServerUrl: string;
  }
}
