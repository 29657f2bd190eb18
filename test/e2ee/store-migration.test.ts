// A store exported before the SDK spoke libsignal's protocol (issue 14) still imports: its
// sessions (Parley E2EE v1, record version 1) cannot continue and are dropped, its identity
// and prekeys are kept, so the chat client's saved state survives the upgrade.
import { describe, expect, it } from "vitest";
import { MemorySignalStore, StateFormatError, generateIdentityKeyPair, generatePreKeys, processPreKeyBundle, generateKyberPreKey, generateSignedPreKey } from "../../client/e2ee/index.ts";

type Exported = { sessions: { address: string; record: Record<string, unknown> }[] };

function storeWithSession(): MemorySignalStore {
  const alice = new MemorySignalStore(generateIdentityKeyPair(), 11);
  const bobIdentity = generateIdentityKeyPair();
  const spk = generateSignedPreKey(bobIdentity, 1);
  const kyber = generateKyberPreKey(bobIdentity, 2, true);
  processPreKeyBundle(alice, "net.bob", {
    deviceId: "bob",
    registrationId: 22,
    identityKey: bobIdentity.publicKey,
    signedPreKey: { id: spk.id, publicKey: spk.keyPair.publicKey, signature: spk.signature },
    kyberPreKey: { id: kyber.id, publicKey: kyber.publicKey, signature: kyber.signature },
  });
  for (const k of generatePreKeys(5, 3)) alice.storePreKey(k);
  return alice;
}

describe("importing a store saved before libsignal's format", () => {
  it("drops version-1 sessions, keeps identity, identities and prekeys", () => {
    const alice = storeWithSession();
    const exported = JSON.parse(JSON.stringify(alice.exportState())) as Exported;
    // What Parley E2EE v1 wrote: another record layout under version 1.
    exported.sessions[0]!.record = { version: 1, current: { associatedData: "AAAA" }, archived: [], seenBaseKeys: [] };
    const imported = MemorySignalStore.importState(exported);
    expect(imported.loadSession("net.bob")).toBeUndefined();
    expect(imported.identity().publicKey).toEqual(alice.identity().publicKey);
    expect(imported.registrationId()).toBe(11);
    expect(imported.identityOf("net.bob")).toEqual(alice.identityOf("net.bob"));
    expect(imported.preKeyCount()).toBe(3);
  });

  it("still refuses a record of an unknown version", () => {
    const exported = JSON.parse(JSON.stringify(storeWithSession().exportState())) as Exported;
    exported.sessions[0]!.record.version = 3;
    expect(() => MemorySignalStore.importState(exported)).toThrow(StateFormatError);
  });
});
