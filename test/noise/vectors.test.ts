import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../protocol/bytes.ts";
import { HandshakeState, resolveSuite, parseProtocolName, type Backend, type CipherState } from "../../protocol/noise/index.ts";
import { HASHES, NATIVE_HASHES } from "../../protocol/noise/hashes.ts";
// A subset of the cacophony vectors, kept in the repository: see vectors/README.md for its origin.
import file from "./vectors/cacophony-subset.json";

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static?: string;
  init_ephemeral?: string;
  init_remote_static?: string;
  init_remote_ephemeral?: string;
  init_psks?: string[];
  resp_prologue: string;
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  resp_remote_ephemeral?: string;
  resp_psks?: string[];
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const vectors = (file as { vectors: Vector[] }).vectors;
const opt = (hex?: string) => (hex ? hexToBytes(hex) : undefined);

async function party(v: Vector, initiator: boolean, backend: Backend): Promise<HandshakeState> {
  const p = initiator ? "init" : "resp";
  const suite = resolveSuite(parseProtocolName(v.protocol_name), backend);
  const keyPair = async (hex?: string) => (hex ? suite.dh.keyPairFromPrivate(hexToBytes(hex)) : undefined);
  const get = (k: string) => (v as unknown as Record<string, string | undefined>)[`${p}_${k}`];
  return HandshakeState.initialize({
    protocolName: v.protocol_name,
    initiator,
    prologue: hexToBytes(get("prologue")!),
    s: await keyPair(get("static")),
    e: await keyPair(get("ephemeral")),
    rs: opt(get("remote_static")),
    re: opt(get("remote_ephemeral")),
    psks: ((v as unknown as Record<string, string[] | undefined>)[`${p}_psks`] ?? []).map(hexToBytes),
    backend,
  });
}

/** Runs a cacophony vector: handshake messages follow the pattern's arrows, transport messages alternate after it. */
async function runVector(v: Vector, backend: Backend): Promise<void> {
  const init = await party(v, true, backend);
  const resp = await party(v, false, backend);
  const oneWay = init.protocol.pattern.messages.every((m) => m.direction === "->");
  let initiatorSends = true;
  for (const [i, msg] of v.messages.entries()) {
    const payload = hexToBytes(msg.payload);
    let ciphertext: Uint8Array;
    let received: Uint8Array;
    if (!init.isComplete) {
      initiatorSends = init.isMyTurn;
      const [writer, reader] = initiatorSends ? [init, resp] : [resp, init];
      ciphertext = await writer.writeMessage(payload);
      received = await reader.readMessage(ciphertext);
    } else {
      initiatorSends = oneWay ? true : !initiatorSends;
      const sender = (initiatorSends ? init.result.send : resp.result.send) as CipherState;
      const receiver = (initiatorSends ? resp.result.receive : init.result.receive) as CipherState;
      ciphertext = await sender.encryptWithAd(new Uint8Array(0), payload);
      received = await receiver.decryptWithAd(new Uint8Array(0), ciphertext);
    }
    expect(bytesToHex(ciphertext), `message ${i} ciphertext`).toBe(msg.ciphertext);
    expect(bytesToHex(received), `message ${i} payload`).toBe(msg.payload);
  }
  expect(init.isComplete && resp.isComplete).toBe(true);
  if (v.handshake_hash) {
    expect(bytesToHex(init.result.handshakeHash)).toBe(v.handshake_hash);
    expect(bytesToHex(resp.result.handshakeHash)).toBe(v.handshake_hash);
  }
}

describe("Noise test vectors (test/noise/vectors/cacophony-subset.json)", () => {
  it("has vectors to run", () => expect(vectors.length).toBeGreaterThan(0));
  it("runs the webcrypto backend's HKDF natively here in workerd, so the vectors check that path", () => {
    expect(resolveSuite(parseProtocolName("Noise_XX_25519_AESGCM_SHA256"), "webcrypto").hash).toBe(NATIVE_HASHES.SHA256);
    expect(resolveSuite(parseProtocolName("Noise_XX_25519_AESGCM_SHA512"), "webcrypto").hash).toBe(NATIVE_HASHES.SHA512);
    expect(resolveSuite(parseProtocolName("Noise_XX_25519_AESGCM_SHA256"), "noble").hash).toBe(HASHES.SHA256);
  });
  it("native HKDF equals noble's for both hash lengths and output counts (the vectors have no SHA512 suite)", async () => {
    for (const name of ["SHA256", "SHA512"] as const) {
      for (const outputs of [2, 3] as const) {
        for (const ikmLength of [0, 32, 64]) {
          const ck = crypto.getRandomValues(new Uint8Array(HASHES[name]!.hashLen));
          const ikm = crypto.getRandomValues(new Uint8Array(ikmLength));
          const [native, js] = [await NATIVE_HASHES[name]!.hkdf(ck, ikm, outputs), await HASHES[name]!.hkdf(ck, ikm, outputs)];
          expect(native.map(bytesToHex)).toEqual(js.map(bytesToHex));
        }
      }
    }
  });
  for (const backend of ["webcrypto", "noble"] as const) {
    for (const v of vectors) {
      it(`${v.protocol_name} [${backend}]`, () => runVector(v, backend));
    }
  }
});
