import { describe, expect, it } from "vitest";
import { utf8 } from "../../protocol/bytes.ts";
import { nobleX25519, webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { CipherState, HandshakeState, handshakePattern, NoiseError, type Backend } from "../../protocol/noise/index.ts";
import { nobleAesGcm } from "../../protocol/noise/ciphers.ts";

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

describe("Noise Pipes: IK failure then XXfallback (spec §10.4)", () => {
  const pairs: [Backend, Backend][] = [["webcrypto", "webcrypto"], ["noble", "noble"], ["webcrypto", "noble"], ["noble", "webcrypto"]];
  for (const [alice, bob] of pairs) {
    it(`Alice ${alice} / Bob ${bob}`, async () => {
      const dhFor = (backend: Backend) => (backend === "webcrypto" ? webcryptoX25519 : nobleX25519);
      const aliceStatic = await dhFor(alice).generateKeyPair();
      const bobStatic = await dhFor(bob).generateKeyPair();
      const staleBobKey = (await nobleX25519.generateKeyPair()).publicKey;
      const ikAlice = await HandshakeState.initialize({
        protocolName: "Noise_IK_25519_AESGCM_SHA256", initiator: true, prologue, s: aliceStatic, rs: staleBobKey, backend: alice,
      });
      const ik1 = await ikAlice.writeMessage(utf8.encode("0-RTT hello"));
      const ikBob = await HandshakeState.initialize({
        protocolName: "Noise_IK_25519_AESGCM_SHA256", initiator: false, prologue, s: bobStatic, backend: bob,
      });
      await expect(ikBob.readMessage(ik1)).rejects.toMatchObject({ reason: "decrypt-failed" });

      // Alice stays the initiator (rev 34 roles); Bob writes first; Alice's IK ephemeral is the pre-message.
      const fbAlice = await HandshakeState.initialize({
        protocolName: "Noise_XXfallback_25519_AESGCM_SHA256", initiator: true, prologue, s: aliceStatic, e: ikAlice.localEphemeral!, backend: alice,
      });
      const fbBob = await HandshakeState.initialize({
        protocolName: "Noise_XXfallback_25519_AESGCM_SHA256", initiator: false, prologue, s: bobStatic, re: ik1.slice(0, 32), backend: bob,
      });
      expect(fbBob.isMyTurn).toBe(true);
      expect(fbAlice.isMyTurn).toBe(false);
      await completeHandshake(fbAlice, fbBob);
      expect(fbAlice.remoteStatic).toEqual(bobStatic.publicKey);
      expect(fbBob.remoteStatic).toEqual(aliceStatic.publicKey);
      await transportWorks(fbAlice, fbBob);
    });
  }
});

describe("handshake patterns", () => {
  it("applies the fallback modifier by moving Alice's first message into the pre-messages", () => {
    const p = handshakePattern("XXfallback");
    expect(p.preInitiator).toEqual(["e"]);
    expect(p.messages.map((m) => [m.direction, ...m.tokens].join(" "))).toEqual(["<- e ee s es", "-> s se"]);
  });

  it("places psk tokens per §9.3", () => {
    expect(handshakePattern("NNpsk0").messages[0]!.tokens).toEqual(["psk", "e"]);
    expect(handshakePattern("NNpsk2").messages[1]!.tokens).toEqual(["e", "ee", "psk"]);
    expect(handshakePattern("XXfallback+psk0").messages[0]!.tokens).toEqual(["psk", "e", "ee", "s", "es"]);
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
