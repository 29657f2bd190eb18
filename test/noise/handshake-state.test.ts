import { describe, expect, it } from "vitest";
import { utf8 } from "../../protocol/bytes.ts";
import { nobleX25519, webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { CipherState, HandshakeState, handshakePattern, NoiseError, type Backend } from "../../protocol/noise/index.ts";
import { nobleAesGcm } from "../../protocol/noise/ciphers.ts";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

const prologue = utf8.encode("test prologue");

async function completeHandshake(init: HandshakeState, resp: HandshakeState): Promise<void> {
  while (!init.isComplete || !resp.isComplete) {
    const [writer, reader] = init.isMyTurn ? [init, resp] : [resp, init];
    await reader.readMessage(await writer.writeMessage(utf8.encode("payload")));
  }
}

async function transportWorks(init: HandshakeState, resp: HandshakeState): Promise<void> {
  const ad = new Uint8Array(0);
  const ct = await init.result.send!.encryptWithAd(ad, utf8.encode("to responder"));
  expect(utf8.decode(await resp.result.receive!.decryptWithAd(ad, ct))).toBe("to responder");
  const back = await resp.result.send!.encryptWithAd(ad, utf8.encode("to initiator"));
  expect(utf8.decode(await init.result.receive!.decryptWithAd(ad, back))).toBe("to initiator");
  expect(init.result.handshakeHash).toEqual(resp.result.handshakeHash);
}

/** Split (§5.3) recomputed from the DH outputs alone: ck depends only on the protocol name and MixKey inputs. */
function independentSplit(protocolName: string, dhOutputs: readonly Uint8Array[]): [Uint8Array, Uint8Array] {
  const name = utf8.encode(protocolName);
  let ck = name.length > 32 ? sha256(name) : Uint8Array.from({ length: 32 }, (_, i) => name[i] ?? 0);
  for (const ikm of dhOutputs) ck = hkdf(sha256, ikm, ck, new Uint8Array(0), 64).slice(0, 32);
  const out = hkdf(sha256, new Uint8Array(0), ck, new Uint8Array(0), 64);
  return [out.slice(0, 32), out.slice(32)];
}

describe("Noise Pipes: IK failure then XXfallback (spec §10.4)", () => {
  const FALLBACK = "Noise_XXfallback_25519_AESGCM_SHA256";
  const pairs: [Backend, Backend][] = [["webcrypto", "webcrypto"], ["noble", "noble"], ["webcrypto", "noble"], ["noble", "webcrypto"]];
  for (const [alice, bob] of pairs) {
    it(`Alice ${alice} / Bob ${bob}: Bob initiates XXfallback and sends with Split's c1`, async () => {
      const dhFor = (backend: Backend) => (backend === "webcrypto" ? webcryptoX25519 : nobleX25519);
      const [aS, aE, bS, bE] = Array.from({ length: 4 }, () => x25519.utils.randomSecretKey());
      const aliceStatic = await dhFor(alice).keyPairFromPrivate(aS!);
      const bobStatic = await dhFor(bob).keyPairFromPrivate(bS!);
      const staleBobKey = (await nobleX25519.generateKeyPair()).publicKey;
      const ikAlice = await HandshakeState.initialize({
        protocolName: "Noise_IK_25519_AESGCM_SHA256", initiator: true, prologue, s: aliceStatic, e: await dhFor(alice).keyPairFromPrivate(aE!), rs: staleBobKey, backend: alice,
      });
      const ik1 = await ikAlice.writeMessage(utf8.encode("0-RTT hello"));
      const ikBob = await HandshakeState.initialize({
        protocolName: "Noise_IK_25519_AESGCM_SHA256", initiator: false, prologue, s: bobStatic, backend: bob,
      });
      await expect(ikBob.readMessage(ik1)).rejects.toMatchObject({ reason: "decrypt-failed" });

      // §10.1 / §10.2: Bob, who sends the first XXfallback message, is its initiator; Alice's IK ephemeral is her pre-message.
      const fbBob = await HandshakeState.initialize({
        protocolName: FALLBACK, initiator: true, prologue, s: bobStatic, e: await dhFor(bob).keyPairFromPrivate(bE!), re: ik1.slice(0, 32), backend: bob,
      });
      const fbAlice = await HandshakeState.initialize({
        protocolName: FALLBACK, initiator: false, prologue, s: aliceStatic, e: ikAlice.localEphemeral!, backend: alice,
      });
      expect(fbBob.isMyTurn).toBe(true);
      expect(fbAlice.isMyTurn).toBe(false);
      await completeHandshake(fbBob, fbAlice);
      expect(fbAlice.remoteStatic).toEqual(bobStatic.publicKey);
      expect(fbBob.remoteStatic).toEqual(aliceStatic.publicKey);
      await transportWorks(fbBob, fbAlice);

      // XX's DHs in order: ee, then Alice's e with Bob's s, then Alice's s with Bob's e.
      const pub = (k: Uint8Array) => x25519.getPublicKey(k);
      const [c1, c2] = independentSplit(FALLBACK, [
        x25519.getSharedSecret(aE!, pub(bE!)),
        x25519.getSharedSecret(aE!, pub(bS!)),
        x25519.getSharedSecret(aS!, pub(bE!)),
      ]);
      expect(fbBob.result.send!.snapshot().k, "Bob sends with c1").toEqual(c1);
      expect(fbAlice.result.receive!.snapshot().k).toEqual(c1);
      expect(fbAlice.result.send!.snapshot().k, "Alice sends with c2").toEqual(c2);
      expect(fbBob.result.receive!.snapshot().k).toEqual(c2);
    });
  }
});

describe("handshake patterns", () => {
  it("applies the fallback modifier: Alice's first message becomes her pre-message, and Bob is the initiator (§10.1, §10.2)", () => {
    const p = handshakePattern("XXfallback");
    // Canonical form, initiator (Bob) on the left: §10.2's "<- e, ee, s, es; -> s, se" read from Bob's side (§7.2).
    expect(p.preInitiator).toEqual([]);
    expect(p.preResponder).toEqual(["e"]);
    expect(p.messages.map((m) => [m.direction, ...m.tokens].join(" "))).toEqual(["-> e ee s se", "<- s es"]);
    expect(handshakePattern("KXfallback").preResponder).toEqual(["s", "e"]);
  });

  it("places psk tokens per §9.3", () => {
    expect(handshakePattern("NNpsk0").messages[0]!.tokens).toEqual(["psk", "e"]);
    expect(handshakePattern("NNpsk2").messages[1]!.tokens).toEqual(["e", "ee", "psk"]);
    expect(handshakePattern("XXfallback+psk0").messages[0]!.tokens).toEqual(["psk", "e", "ee", "s", "se"]);
  });

  it("rejects unknown patterns, modifiers and algorithms with a NoiseError", async () => {
    for (const name of ["QQ", "XXbogus", "IKfallback", "NNpsk9"]) {
      expect(() => handshakePattern(name), name).toThrow(NoiseError);
    }
    for (const protocolName of ["Noise_XX_448_AESGCM_SHA256", "Noise_XX_25519_AESGCM", "Nope_XX_25519_AESGCM_SHA256"]) {
      await expect(HandshakeState.initialize({ protocolName, initiator: true }), protocolName).rejects.toThrow(NoiseError);
    }
  });

  it("runs psk handshakes end to end", async () => {
    const psk = crypto.getRandomValues(new Uint8Array(32));
    const make = (initiator: boolean, key: Uint8Array) =>
      HandshakeState.initialize({ protocolName: "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s", initiator, prologue, psks: [key] });
    const [init, resp] = [await make(true, psk), await make(false, psk)];
    await completeHandshake(init, resp);
    await transportWorks(init, resp);
    const [bad, good] = [await make(true, crypto.getRandomValues(new Uint8Array(32))), await make(false, psk)];
    await expect(good.readMessage(await bad.writeMessage())).rejects.toMatchObject({ reason: "decrypt-failed" });
  });
});

describe("HandshakeState input handling", () => {
  const responderStatic = webcryptoX25519.generateKeyPair();
  async function xxPair() {
    const mk = async (initiator: boolean) =>
      HandshakeState.initialize({
        protocolName: "Noise_XX_25519_AESGCM_SHA256",
        initiator,
        prologue,
        s: initiator ? await webcryptoX25519.generateKeyPair() : await responderStatic,
      });
    return [await mk(true), await mk(false)] as const;
  }

  it("rejects truncated, oversized and out-of-turn messages", async () => {
    const [init, resp] = await xxPair();
    await expect(resp.writeMessage()).rejects.toMatchObject({ reason: "wrong-turn" });
    const m1 = await init.writeMessage();
    await expect(resp.readMessage(m1.slice(0, 31))).rejects.toMatchObject({ reason: "truncated" });
    const [, fresh] = await xxPair();
    await expect(fresh.readMessage(new Uint8Array(65536))).rejects.toMatchObject({ reason: "too-large" });
    await expect(init.writeMessage(new Uint8Array(65536))).rejects.toMatchObject({ reason: "wrong-turn" });
  });

  it("refuses to write a handshake message over 65535 bytes", async () => {
    const [init] = await xxPair();
    await expect(init.writeMessage(new Uint8Array(65535))).rejects.toMatchObject({ reason: "too-large" });
  });

  it("treats a low-order ephemeral as a bad key, not a crash", async () => {
    const [init, resp] = await xxPair();
    await resp.readMessage(new Uint8Array(32)); // all-zero point
    await expect(resp.writeMessage()).rejects.toMatchObject({ reason: "invalid-key" });
    expect(init.isComplete).toBe(false);
  });

  it("a snapshot taken between messages resumes to the same session", async () => {
    const [init, resp] = await xxPair();
    await resp.readMessage(await init.writeMessage());
    const m2 = await resp.writeMessage(utf8.encode("server hello"));
    const snapshot = structuredClone(await resp.snapshot());
    const restored = await HandshakeState.restore(snapshot, await responderStatic);
    expect(utf8.decode(await init.readMessage(m2))).toBe("server hello");
    expect(await restored.readMessage(await init.writeMessage())).toEqual(new Uint8Array(0));
    await transportWorks(init, restored);
  });
});

describe("CipherState", () => {
  it("does not advance the nonce when authentication fails (§5.1)", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const [a, b] = [new CipherState(nobleAesGcm), new CipherState(nobleAesGcm)];
    await a.initializeKey(key);
    await b.initializeKey(key);
    const ad = new Uint8Array(0);
    const ct = await a.encryptWithAd(ad, utf8.encode("one"));
    const forged = ct.slice();
    forged[0]! ^= 1;
    await expect(b.decryptWithAd(ad, forged)).rejects.toMatchObject({ reason: "decrypt-failed" });
    expect(b.nonce).toBe(0);
    expect(utf8.decode(await b.decryptWithAd(ad, ct))).toBe("one");
  });

  it("rekeys both sides to the same new key (§4.2)", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const [a, b] = [new CipherState(nobleAesGcm), new CipherState(nobleAesGcm)];
    await a.initializeKey(key);
    await b.initializeKey(key);
    await a.rekey();
    await b.rekey();
    const ad = new Uint8Array(0);
    expect(utf8.decode(await b.decryptWithAd(ad, await a.encryptWithAd(ad, utf8.encode("after rekey"))))).toBe("after rekey");
    expect(a.snapshot().k).not.toEqual(key);
  });
});
