// Noise handshake cost against its floor: the X25519 operations one handshake needs.
// `npm run bench`. Runs in Node: workerd does not advance clocks during synchronous
// execution, so timing inside an isolate is meaningless. Results go into README.
import { afterAll, beforeAll, it } from "vitest";
import { nobleX25519, webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import { HandshakeState, type Backend, type KeyPair } from "../protocol/noise/index.ts";
import { PipesInitiator, PipesResponder } from "../protocol/pipes/index.ts";
import { printMachine } from "./machine.ts";
import { measure, report } from "./measure.ts";

beforeAll(() => printMachine("start"));
afterAll(() => printMachine("end"));

const XX = "Noise_XX_25519_AESGCM_SHA256";
// One XX handshake, both sides: each side derives its ephemeral public key and computes
// ee, es and se (spec §7.5): 8 X25519 scalar multiplications. IK: 4 + ss on each side = 10.
const X25519_PER_XX = 8;
const X25519_PER_IK = 10;

async function xxHandshake(a: KeyPair, b: KeyPair, backend: Backend): Promise<void> {
  const init = await HandshakeState.initialize({ protocolName: XX, initiator: true, s: a, backend });
  const resp = await HandshakeState.initialize({ protocolName: XX, initiator: false, s: b, backend });
  await resp.readMessage(await init.writeMessage());
  await init.readMessage(await resp.writeMessage());
  await resp.readMessage(await init.writeMessage());
}

it("Noise handshake benchmarks", { timeout: 120_000 }, async () => {
  const [wa, wb] = [await webcryptoX25519.generateKeyPair(), await webcryptoX25519.generateKeyPair()];
  const [na, nb] = [await nobleX25519.generateKeyPair(), await nobleX25519.generateKeyPair()];
  const wcPub = await crypto.subtle.importKey("raw", wb.publicKey, { name: "X25519" }, false, []);
  const rawDh = () =>
    crypto.subtle.deriveBits({ name: "X25519", public: wcPub } as SubtleCryptoDeriveKeyAlgorithm, wa.handle as CryptoKey, 256);
  const hello = new Uint8Array(600); // a ClientHello carrying a typical ES256 provider JWT

  report("XX handshake (both sides) vs its X25519 floor, WebCrypto", [
    await measure(`floor: ${X25519_PER_XX} × X25519 (WebCrypto deriveBits)`, async () => {
      for (let i = 0; i < X25519_PER_XX; i++) await rawDh();
    }),
    await measure("XX handshake, webcrypto backend", () => xxHandshake(wa, wb, "webcrypto")),
  ]);

  report("XX handshake (both sides) vs its X25519 floor, noble", [
    await measure(`floor: ${X25519_PER_XX} × X25519 (noble)`, async () => {
      for (let i = 0; i < X25519_PER_XX; i++) await nobleX25519.dh(na, nb.publicKey);
    }),
    await measure("XX handshake, noble backend", () => xxHandshake(na, nb, "noble")),
  ]);

  report("Noise Pipes as the gateway runs it (tag bytes, 600-byte hello), WebCrypto", [
    await measure(`floor: ${X25519_PER_IK} × X25519 (WebCrypto deriveBits)`, async () => {
      for (let i = 0; i < X25519_PER_IK; i++) await rawDh();
    }),
    await measure("Pipes XX (3 messages)", async () => {
      const client = new PipesInitiator({ staticKey: wa });
      const server = PipesResponder.create(wb);
      await server.readFirst(await client.begin(hello));
      await client.receive((await server.respond(new Uint8Array(200))).frame);
      await server.readFinish((await client.finish()).frame!);
    }),
    await measure("Pipes IK (2 messages)", async () => {
      const client = new PipesInitiator({ staticKey: wa, serverStaticKey: wb.publicKey });
      const server = PipesResponder.create(wb);
      await server.readFirst(await client.begin(hello));
      await client.receive((await server.respond(new Uint8Array(200))).frame);
      await client.finish();
    }),
  ]);
});
