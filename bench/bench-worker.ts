// Bench-only companion Worker (bench/wrangler.toml), run by bench/runtime.ts in the same
// workerd process as the gateway. Two jobs:
//
// 1. Routing baselines. `GET /bench/echo/<name>` upgrades to a WebSocket held by the
//    EchoObject named <name>, through the same Hibernation API the gateway's UserObject
//    uses (ctx.acceptWebSocket + webSocketMessage), and echoes every binary message:
//    Parley's message path minus Parley, Worker -> Durable Object -> the same socket.
//    With `?durable=1` it also inserts each message into the object's SQLite before echoing
//    and deletes it in the same step (durability alone, for context). `GET /bench/relay/<name>`
//    is a two-object store-and-forward relay with no Parley code in it (RelayObject).
//
// 2. Timing inside workerd. `GET /bench/crypto/<op>?n=K` runs K iterations of <op> (X25519,
//    Noise Pipes, the pieces of a handshake, an Ed25519 verify, a KV read) and answers when
//    done. workerd freezes its clocks during synchronous execution (its WebCrypto runs
//    synchronously on the calling thread), so timing inside the isolate would read ~0; the
//    Node side measures workerd's CPU time per request instead and subtracts that of `noop`.
import { DurableObject } from "cloudflare:workers";
import { nobleAesGcm, webcryptoAesGcm } from "../protocol/noise/ciphers.ts";
import { webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import { HASHES, NATIVE_HASHES } from "../protocol/noise/hashes.ts";
import type { KeyPair } from "../protocol/noise/index.ts";
import { PipesInitiator, PipesResponder } from "../protocol/pipes/index.ts";
import { ECHO_WHOAMI, RelayFrame } from "./echo-protocol.ts";

interface BenchEnv {
  readonly ECHO: DurableObjectNamespace<EchoObject>;
  readonly RELAY: DurableObjectNamespace<RelayObject>;
  /** Local KV (Miniflare's simulator), to price the reads a handshake makes. */
  readonly KV: KVNamespace;
}

export class EchoObject extends DurableObject<BenchEnv> {
  // A new value after every (re)construction: if a socket's answer changes across an idle
  // period, the object was evicted (hibernated) and woken again in between.
  readonly #instance = crypto.randomUUID();

  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL)");
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ durable: new URL(request.url).searchParams.get("durable") === "1" });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    if (message === ECHO_WHOAMI) return ws.send(this.#instance);
    if ((ws.deserializeAttachment() as { durable: boolean }).durable && typeof message !== "string") {
      // Durability alone: the message is written before it is answered (the output gate holds
      // the send until the write is committed), and removed in the same step.
      const { seq } = this.ctx.storage.sql.exec<{ seq: number }>("INSERT INTO pending (body) VALUES (?) RETURNING seq", message).one();
      ws.send(message);
      this.ctx.storage.sql.exec("DELETE FROM pending WHERE seq = ?", seq);
      return;
    }
    ws.send(message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }
}

/**
 * The structural floor of store-and-forward between two users, for context: Parley's message
 * path with none of Parley in it (no Noise, no XML, no checks). A client of RelayObject <a>
 * sends SEND frames naming a peer; <a> calls peer <b> over RPC, <b> stores the body in
 * SQLite and pushes it to its socket, then <a> acks the sender; <b>'s client acks the
 * delivery and <b> deletes the row. Frame layouts are in ./echo-protocol.ts.
 */
export class RelayObject extends DurableObject<BenchEnv> {
  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL)");
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** RPC from the sender's object: store, then push to connected sockets. */
  async deliver(body: ArrayBuffer): Promise<void> {
    const { seq } = this.ctx.storage.sql.exec<{ seq: number }>("INSERT INTO inbox (body) VALUES (?) RETURNING seq", body).one();
    const frame = new Uint8Array(5 + body.byteLength);
    frame[0] = RelayFrame.DELIVERY;
    new DataView(frame.buffer).setUint32(1, seq);
    frame.set(new Uint8Array(body), 5);
    for (const ws of this.ctx.getWebSockets()) ws.send(frame);
  }

  override async webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    if (typeof message === "string") return;
    const bytes = new Uint8Array(message);
    if (bytes[0] === RelayFrame.ACK) {
      this.ctx.storage.sql.exec("DELETE FROM inbox WHERE seq = ?", new DataView(message).getUint32(1));
      return;
    }
    if (bytes[0] !== RelayFrame.SEND) return;
    const nameLength = bytes[1]!;
    const peer = new TextDecoder().decode(bytes.subarray(2, 2 + nameLength));
    const body = message.slice(2 + nameLength);
    await this.env.RELAY.get(this.env.RELAY.idFromName(peer)).deliver(body);
    const sent = new Uint8Array(5);
    sent[0] = RelayFrame.SENT;
    sent.set(new Uint8Array(body, 0, 4), 1);
    ws.send(sent);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }
}

/** The client hello as the SDK sends it is ~600 bytes (a typical ES256 provider JWT); the server hello ~200. */
const CLIENT_HELLO = new Uint8Array(600);
const SERVER_HELLO = new Uint8Array(200);
const KEY = new Uint8Array(32).fill(7);
/** MixHash input: the 32-byte hash plus a 32-byte key. */
const HASH_INPUT = new Uint8Array(64);

interface CryptoFixture {
  /** The gateway's static key as gateway/identity.ts builds it: raw private bytes plus an imported handle. */
  readonly server: KeyPair;
  /** A client static key with its WebCrypto handle, as an SDK device keeps it. */
  readonly client: KeyPair;
  /** One X25519 operation's inputs, imported once: the floor is the bare scalar multiplication. */
  readonly dhPrivate: CryptoKey;
  readonly dhPublic: CryptoKey;
  /** A recorded IK message 1 for the server's key, replayed to time the gateway's side of IK alone. */
  readonly ikFirst: Uint8Array;
  readonly aesKey: unknown;
  /** An Ed25519 key and signature over a token-sized message: the provider token check's floor. */
  readonly ed25519: { readonly key: CryptoKey; readonly signature: ArrayBuffer };
}

// Per isolate, like the gateway's own identity cache: setup must not be part of what is timed.
let fixture: Promise<CryptoFixture> | null = null;

/** The signed part of a typical provider token (header and claims, base64url), ~500 bytes. */
const TOKEN_BODY = new Uint8Array(500).fill(0x61);
/** A provider registry entry is ~600 bytes of JSON; the handshake reads three such KV values. */
const KV_KEY = "bench:provider";
const KV_VALUE = JSON.stringify({ blob: "x".repeat(560) });

async function makeFixture(env: BenchEnv): Promise<CryptoFixture> {
  await env.KV.put(KV_KEY, KV_VALUE);
  const signer = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const ed25519 = { key: signer.publicKey, signature: await crypto.subtle.sign({ name: "Ed25519" }, signer.privateKey, TOKEN_BODY) };
  const server = await webcryptoX25519.keyPairFromPrivate(crypto.getRandomValues(new Uint8Array(32)));
  const client = await webcryptoX25519.generateKeyPair();
  const peer = await webcryptoX25519.generateKeyPair();
  const dhPublic = await crypto.subtle.importKey("raw", peer.publicKey, { name: "X25519" }, false, []);
  const ikFirst = await new PipesInitiator({ staticKey: client, serverStaticKey: server.publicKey }).begin(CLIENT_HELLO);
  return { server, client, dhPrivate: client.handle as CryptoKey, dhPublic, ikFirst, aesKey: await webcryptoAesGcm.prepareKey(KEY), ed25519 };
}

type CryptoOp = (f: CryptoFixture, env: BenchEnv) => Promise<void>;

const CRYPTO_OPS: Readonly<Record<string, CryptoOp>> = {
  noop: async () => undefined,
  /** One X25519 scalar multiplication on pre-imported keys: what every DH token and key generation costs at least. */
  x25519: async (f) => {
    await crypto.subtle.deriveBits({ name: "X25519", public: f.dhPublic } as SubtleCryptoDeriveKeyAlgorithm, f.dhPrivate, 256);
  },
  /** Both sides of Pipes XX (3 messages), in memory. */
  xx: async (f) => {
    const client = new PipesInitiator({ staticKey: f.client });
    const server = PipesResponder.create(f.server);
    await server.readFirst(await client.begin(CLIENT_HELLO));
    await client.receive((await server.respond(SERVER_HELLO)).frame);
    await server.readFinish((await client.finish()).frame!);
  },
  /**
   * Both sides of Pipes XX the way the gateway runs its side (durable-objects/noise-connection.ts):
   * after message 2 the responder is snapshotted into the socket attachment and restored from
   * it for message 3, so the object may hibernate in between.
   */
  "xx-gateway": async (f) => {
    const client = new PipesInitiator({ staticKey: f.client });
    const server = PipesResponder.create(f.server);
    await server.readFirst(await client.begin(CLIENT_HELLO));
    const reply = await server.respond(SERVER_HELLO);
    const snapshot = structuredClone(await server.snapshot());
    await client.receive(reply.frame);
    const restored = await PipesResponder.restore(snapshot, f.server);
    await restored.readFinish((await client.finish()).frame!);
  },
  /** Both sides of Pipes IK (2 messages), in memory. */
  ik: async (f) => {
    const client = new PipesInitiator({ staticKey: f.client, serverStaticKey: f.server.publicKey });
    const server = PipesResponder.create(f.server);
    await server.readFirst(await client.begin(CLIENT_HELLO));
    await client.receive((await server.respond(SERVER_HELLO)).frame);
    await client.finish();
  },
  // The pieces a handshake is made of, each timed alone (the breakdown table).
  /** What the Noise DH function does per DH token: import the peer's raw public key, then derive. */
  dh: async (f) => {
    await webcryptoX25519.dh(f.client, f.server.publicKey);
  },
  /** An ephemeral key pair: generate, export the raw public key. */
  keygen: async () => {
    await webcryptoX25519.generateKeyPair();
  },
  /** What snapshot() + restore() add to an XX handshake on the gateway: the ephemeral's private key out and back in. */
  "ephemeral-export-import": async (f) => {
    await webcryptoX25519.keyPairFromPrivate(await webcryptoX25519.exportPrivateKey(f.client), f.client.publicKey);
  },
  "import-public": async (f) => {
    await crypto.subtle.importKey("raw", f.server.publicKey, { name: "X25519" }, false, []);
  },
  /** What every MixKey and Split pays to have an AES-GCM key ready. */
  "aes-key": async () => {
    await webcryptoAesGcm.prepareKey(KEY);
  },
  /** EncryptAndHash of a 200-byte payload with a prepared key. */
  "aes-seal": async (f) => {
    await webcryptoAesGcm.encrypt(f.aesKey, 0n, KEY, SERVER_HELLO);
  },
  /** The same seal in JavaScript (noble), for small frames where a call into WebCrypto may cost more than the cipher. */
  "aes-seal-noble": async () => {
    await nobleAesGcm.encrypt(KEY, 0n, KEY, SERVER_HELLO);
  },
  hkdf: async () => {
    HASHES.SHA256!.hkdf(KEY, KEY, 2);
  },
  /** What the gateway runs: the webcrypto backend's HKDF is native on Workers (protocol/noise/algorithms.ts). */
  "hkdf-native": async () => {
    await NATIVE_HASHES.SHA256!.hkdf(KEY, KEY, 2);
  },
  "hkdf-webcrypto": async () => {
    const ikm = await crypto.subtle.importKey("raw", KEY, "HKDF", false, ["deriveBits"]);
    await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: KEY, info: new Uint8Array(0) }, ikm, 512);
  },
  "sha256-webcrypto": async () => {
    await crypto.subtle.digest("SHA-256", HASH_INPUT);
  },
  sha256: async () => {
    HASHES.SHA256!.hash(HASH_INPUT);
  },
  "ed25519-verify": async (f) => {
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, f.ed25519.key, f.ed25519.signature, TOKEN_BODY))) throw new Error("bad signature");
  },
  /** One KV read as the gateway makes it (JSON). I/O: time it by CPU, not wall clock. */
  "kv-get": async (_f, env) => {
    if (!(await env.KV.get(KV_KEY, "json"))) throw new Error("missing KV value");
  },
  /** The gateway's side of IK alone: read a (recorded) message 1, write message 2. */
  "ik-responder": async (f) => {
    const server = PipesResponder.create(f.server);
    await server.readFirst(f.ikFirst);
    await server.respond(SERVER_HELLO);
  },
};

async function runCrypto(env: BenchEnv, op: string, n: number): Promise<Response> {
  const fn = CRYPTO_OPS[op];
  if (!fn) return new Response(`unknown op ${op}`, { status: 404 });
  if (!Number.isInteger(n) || n < 0 || n > 100_000) return new Response("n: an integer from 0 to 100000", { status: 400 });
  fixture ??= makeFixture(env);
  const f = await fixture;
  for (let i = 0; i < n; i++) await fn(f, env);
  return Response.json({ op, n });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, bench, kind, name] = url.pathname.split("/");
    if (bench !== "bench" || !kind || !name) return new Response("not found", { status: 404 });
    if (kind === "echo") return env.ECHO.get(env.ECHO.idFromName(name)).fetch(request);
    if (kind === "relay") return env.RELAY.get(env.RELAY.idFromName(name)).fetch(request);
    if (kind === "crypto") return runCrypto(env, name, Number(url.searchParams.get("n") ?? "1"));
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<BenchEnv>;
