import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../protocol/bytes.ts";
import { HandshakeState, parseProtocolName, resolveSuite, type Backend, type CipherState } from "../../protocol/noise/index.ts";
// noise-c's Noise Pipes vectors (see vectors/README.md): an IK attempt to a wrong key, then XXfallback and transport.
import file from "./vectors/noise-c-fallback-subset.json";

interface FallbackVector {
  name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  init_remote_static: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const vectors = (file as { vectors: FallbackVector[] }).vectors;
const EMPTY = new Uint8Array(0);

/**
 * Alice (noise-c's "init") sends IK message 1 to a key Bob does not hold; Bob fails to
 * decrypt it and both switch to XXfallback, Bob as its initiator (rev 34 §10.1, §10.2).
 * The transport messages then alternate starting with Bob, who sends with Split's c1.
 */
async function runFallbackVector(v: FallbackVector, backend: Backend): Promise<void> {
  const ik = v.name.replace("XXfallback", "IK");
  const suite = resolveSuite(parseProtocolName(v.name), backend);
  const pair = (hex: string) => suite.dh.keyPairFromPrivate(hexToBytes(hex));
  const [aliceStatic, aliceEphemeral, bobStatic, bobEphemeral] = await Promise.all(
    [v.init_static, v.init_ephemeral, v.resp_static, v.resp_ephemeral].map(pair),
  );
  const [m0, m1, m2, ...transport] = v.messages.map((m) => ({ payload: hexToBytes(m.payload), ciphertext: m.ciphertext }));

  const aliceIk = await HandshakeState.initialize({
    protocolName: ik, initiator: true, prologue: hexToBytes(v.init_prologue), s: aliceStatic, e: aliceEphemeral, rs: hexToBytes(v.init_remote_static), backend,
  });
  const ik1 = await aliceIk.writeMessage(m0!.payload);
  expect(bytesToHex(ik1), "IK message 1").toBe(m0!.ciphertext);
  const bobIk = await HandshakeState.initialize({ protocolName: ik, initiator: false, prologue: hexToBytes(v.resp_prologue), s: bobStatic, backend });
  await expect(bobIk.readMessage(ik1)).rejects.toMatchObject({ reason: "decrypt-failed" });

  const bob = await HandshakeState.initialize({
    protocolName: v.name, initiator: true, prologue: hexToBytes(v.resp_prologue), s: bobStatic, e: bobEphemeral, re: ik1.slice(0, 32), backend,
  });
  const alice = await HandshakeState.initialize({
    protocolName: v.name, initiator: false, prologue: hexToBytes(v.init_prologue), s: aliceStatic, e: aliceEphemeral, backend,
  });
  const fb1 = await bob.writeMessage(m1!.payload);
  expect(bytesToHex(fb1), "XXfallback message 1").toBe(m1!.ciphertext);
  expect(await alice.readMessage(fb1)).toEqual(m1!.payload);
  const fb2 = await alice.writeMessage(m2!.payload);
  expect(bytesToHex(fb2), "XXfallback message 2").toBe(m2!.ciphertext);
  expect(await bob.readMessage(fb2)).toEqual(m2!.payload);
  expect(bytesToHex(alice.result.handshakeHash)).toBe(v.handshake_hash);
  expect(bytesToHex(bob.result.handshakeHash)).toBe(v.handshake_hash);

  for (const [i, m] of transport.entries()) {
    const [from, to] = i % 2 === 0 ? [bob, alice] : [alice, bob];
    const ciphertext = await (from.result.send as CipherState).encryptWithAd(EMPTY, m.payload);
    expect(bytesToHex(ciphertext), `transport message ${i} (${from === bob ? "Bob" : "Alice"} sends)`).toBe(m.ciphertext);
    expect(await (to.result.receive as CipherState).decryptWithAd(EMPTY, ciphertext)).toEqual(m.payload);
  }
}

describe("XXfallback test vectors (test/noise/vectors/noise-c-fallback-subset.json)", () => {
  it("has vectors with transport messages to run", () => {
    expect(vectors.length).toBeGreaterThan(0);
    for (const v of vectors) expect(v.messages.length, v.name).toBeGreaterThan(3);
  });
  for (const backend of ["webcrypto", "noble"] as const) {
    for (const v of vectors) {
      it(`${v.name} [${backend}]`, () => runFallbackVector(v, backend));
    }
  }
});
