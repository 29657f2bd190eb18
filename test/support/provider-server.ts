// A real provider backend for the workerd tests (Vitest globalSetup, runs in Node): the
// JWKS the gateway polls, the push webhook it calls, and media hosts for its proxy. Each provider under test gets its
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

async function bytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function body(req: IncomingMessage): Promise<string> {
  return (await bytes(req)).toString("utf8");
}

/** Virtual hosts (see test/support/outbound.ts): stored files and every request received, per host name. */
interface VirtualHost {
  files: Map<string, Buffer>;
  hits: { method: string; path: string }[];
}

const hosts = new Map<string, VirtualHost>();

function virtualHost(name: string): VirtualHost {
  let h = hosts.get(name);
  if (!h) hosts.set(name, (h = { files: new Map(), hits: [] }));
  return h;
}

/**
 * A media host as a provider would run one: PUT stores, GET serves with Content-Length.
 * Misbehaviours for the proxy's tests: /redirect?to=URL, /huge (announces 1 GiB),
 * /no-length/<path> (a stored file without Content-Length), /status/<code>.
 */
async function serveHost(name: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = virtualHost(name);
  host.hits.push({ method: req.method ?? "GET", path });
  const url = new URL(path, "https://host.invalid");
  if (req.method === "PUT") {
    host.files.set(url.pathname, await bytes(req));
    return void res.writeHead(201).end();
  }
  if (url.pathname === "/redirect") return void res.writeHead(302, { Location: url.searchParams.get("to") ?? "/" }).end();
  if (url.pathname.startsWith("/status/")) return void res.writeHead(Number(url.pathname.slice(8))).end();
  if (url.pathname === "/huge") {
    res.writeHead(200, { "Content-Length": String(1024 ** 3) });
    // Writes until the gateway hangs up; it should do so after reading the headers.
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on("drain", pump);
    res.on("error", () => undefined);
    return pump();
  }
  const noLength = url.pathname.startsWith("/no-length/");
  const file = host.files.get(noLength ? url.pathname.slice("/no-length".length) : url.pathname);
  if (!file) return void res.writeHead(404).end();
  if (noLength) {
    res.writeHead(200, { "Transfer-Encoding": "chunked" });
    return void res.end(file);
  }
  res.writeHead(200, { "Content-Length": String(file.length), "Content-Type": "application/octet-stream" });
  res.end(file);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const vhost = /^\/host\/([^/]+)(\/.*)$/.exec(req.url ?? "");
  if (vhost) return serveHost(decodeURIComponent(vhost[1]!), vhost[2]!, req, res);
  const hits = /^\/hosts\/([^/]+)\/hits$/.exec(req.url ?? "");
  if (hits) {
    res.writeHead(200, { "Content-Type": "application/json" });
    return void res.end(JSON.stringify(hosts.get(decodeURIComponent(hits[1]!))?.hits ?? []));
  }
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
