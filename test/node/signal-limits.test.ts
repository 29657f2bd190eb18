// The SDK refuses and keeps exactly what libsignal refuses and keeps: the forward-jump limit,
// the skipped keys kept per chain and the receiving chains kept per session, probed with the
// same messages against libsignal and the SDK as receivers (and as senders), no gateway needed.
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import {
  MemorySignalStore,
  SessionCipher,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generateRegistrationId,
  generateSignedPreKey,
  processPreKeyBundle,
} from "../../client/e2ee/index.ts";
import { utf8 } from "../../protocol/bytes.ts";
import { Stores } from "./libsignal-stores.ts";

const copy = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

interface Wire {
  readonly type: "pkmsg" | "msg";
  readonly body: Uint8Array;
}

/** One side of a 1:1 session, whichever implementation runs it. */
interface End {
  encrypt(text: string): Promise<Wire>;
  /** The plaintext, or "refused" when the implementation throws. */
  decrypt(m: Wire): Promise<string>;
  /** Returns a function that puts the session back as it is now. */
  snapshot(): () => void;
}

interface KeyOwner {
  readonly end: (peer: string) => End;
  readonly bundle: () => Bundle;
}

interface Bundle {
  readonly registrationId: number;
  readonly identityKey: Uint8Array;
  readonly signedPreKey: { id: number; publicKey: Uint8Array; signature: Uint8Array };
  readonly kyberPreKey: { id: number; publicKey: Uint8Array; signature: Uint8Array };
}

async function refusedOnThrow(run: () => Promise<Uint8Array> | Uint8Array): Promise<string> {
  try {
    return utf8.decode(await run());
  } catch {
    return "refused";
  }
}

function sdkParty(): KeyOwner & { startWith(peer: string, b: Bundle): void } {
  const identity = generateIdentityKeyPair();
  const store = new MemorySignalStore(identity, generateRegistrationId());
  const spk = generateSignedPreKey(identity, 1);
  const kyber = generateKyberPreKey(identity, 2, true);
  store.storeSignedPreKey(spk);
  store.storeKyberPreKey(kyber);
  return {
    bundle: () => ({
      registrationId: store.registrationId(),
      identityKey: identity.publicKey,
      signedPreKey: { id: spk.id, publicKey: spk.keyPair.publicKey, signature: spk.signature },
      kyberPreKey: { id: kyber.id, publicKey: kyber.publicKey, signature: kyber.signature },
    }),
    startWith: (peer, b) => void processPreKeyBundle(store, peer, { deviceId: peer, ...b }),
    end: (peer) => {
      const cipher = new SessionCipher(store, peer);
      return {
        encrypt: async (text) => cipher.encrypt(utf8.encode(text)),
        decrypt: (m) => refusedOnThrow(() => cipher.decrypt(m.type, m.body)),
        snapshot: () => {
          const record = store.loadSession(peer)!;
          return () => store.storeSession(peer, record);
        },
      };
    },
  };
}

function libsignalParty(name: string): KeyOwner & { startWith(peer: string, b: Bundle): Promise<void> } {
  const stores = new Stores();
  const upload = stores.generateUpload();
  const self = signal.ProtocolAddress.new(name, 1);
  return {
    bundle: () => ({ registrationId: upload.registrationId, identityKey: upload.identityKey, signedPreKey: upload.signedPreKey, kyberPreKey: upload.lastResortKyber }),
    startWith: (peer, b) =>
      signal.processPreKeyBundle(
        signal.PreKeyBundle.new(
          b.registrationId,
          1,
          null,
          null,
          b.signedPreKey.id,
          signal.PublicKey.deserialize(copy(b.signedPreKey.publicKey)),
          copy(b.signedPreKey.signature),
          signal.PublicKey.deserialize(copy(b.identityKey)),
          b.kyberPreKey.id,
          signal.KEMPublicKey.deserialize(copy(b.kyberPreKey.publicKey)),
          copy(b.kyberPreKey.signature),
        ),
        signal.ProtocolAddress.new(peer, 1),
        self,
        stores.session,
        stores.identityStore,
      ),
    end: (peer) => {
      const remote = signal.ProtocolAddress.new(peer, 1);
      return {
        encrypt: async (text) => {
          const m = await signal.signalEncrypt(copy(utf8.encode(text)), remote, self, stores.session, stores.identityStore);
          return { type: m.type() === signal.CiphertextMessageType.PreKey ? "pkmsg" : "msg", body: m.serialize() };
        },
        decrypt: (m) =>
          refusedOnThrow(() =>
            m.type === "pkmsg"
              ? signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(copy(m.body)), remote, self, stores.session, stores.identityStore, stores.preKeyStore, stores.signedPreKeyStore, stores.kyberPreKeyStore)
              : signal.signalDecrypt(signal.SignalMessage.deserialize(copy(m.body)), remote, self, stores.session, stores.identityStore),
          ),
        snapshot: () => {
          const record = stores.sessions.get(remote.toString())!.serialize();
          return () => stores.sessions.set(remote.toString(), signal.SessionRecord.deserialize(record));
        },
      };
    },
  };
}

type Kind = "sdk" | "libsignal";
const party = (kind: Kind, name: string) => (kind === "sdk" ? sdkParty() : libsignalParty(name));

/** Alice (the initiator) and Bob after the first message and one reply. */
async function established(aliceKind: Kind, bobKind: Kind): Promise<{ alice: End; bob: End }> {
  const [a, b] = [party(aliceKind, "alice"), party(bobKind, "bob")];
  await a.startWith("bob", b.bundle());
  const [alice, bob] = [a.end("bob"), b.end("alice")];
  expect(await bob.decrypt(await alice.encrypt("hello"))).toBe("hello");
  expect(await alice.decrypt(await bob.encrypt("hi"))).toBe("hi");
  return { alice, bob };
}

const pairs: [Kind, Kind][] = [
  ["libsignal", "libsignal"],
  ["sdk", "libsignal"],
  ["libsignal", "sdk"],
];

describe("libsignal's limits, and the SDK's", () => {
  for (const [aliceKind, bobKind] of pairs) {
    it(`a forward jump of at most 25,000 and 2,000 skipped keys kept per chain (${aliceKind} sends, ${bobKind} receives)`, async () => {
      const { alice, bob } = await established(aliceKind, bobKind);
      const messages: Wire[] = [];
      for (let i = 0; i < 25_002; i++) messages.push(await alice.encrypt(`m${i}`));
      const restore = bob.snapshot();
      // Each first from the same state. 25,000 is refused too: the SPQR counter of message i
      // is i + 2 and the receiver's is at 1, so SPQR's own 25,000 limit is reached first.
      const firsts: string[] = [];
      for (const i of [25_001, 25_000, 24_999]) {
        restore();
        firsts.push(await bob.decrypt(messages[i]!));
      }
      expect(firsts).toEqual(["refused", "refused", "m24999"]);
      // Then in sequence: 24,999 leaves the keys of 0..24,998 skipped, of which the newest 2,000 are kept.
      const sequence: string[] = [];
      for (const i of [22_999, 22_998, 7, 25_001, 25_000]) sequence.push(await bob.decrypt(messages[i]!));
      expect(sequence).toEqual(["m22999", "refused", "refused", "m25001", "m25000"]);
    }, 120_000);

    it(`five receiving chains kept per session (${aliceKind} sends, ${bobKind} receives)`, async () => {
      const { alice, bob } = await established(aliceKind, bobKind);
      const withheld: Wire[] = [];
      for (let k = 0; k < 7; k++) {
        // One message held back from each of Alice's sending chains; each reply makes her start a new one.
        withheld.push(await alice.encrypt(`withheld ${k}`));
        expect(await bob.decrypt(await alice.encrypt(`delivered ${k}`))).toBe(`delivered ${k}`);
        expect(await alice.decrypt(await bob.encrypt(`reply ${k}`))).toBe(`reply ${k}`);
      }
      const late: string[] = [];
      for (const m of withheld) late.push(await bob.decrypt(m));
      expect(late).toEqual(["refused", "refused", "withheld 2", "withheld 3", "withheld 4", "withheld 5", "withheld 6"]);
    });
  }
});
