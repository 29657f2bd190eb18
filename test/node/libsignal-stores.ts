// libsignal's stores, in memory, for tests and benchmarks that use @signalapp/libsignal-client
// as the oracle (Node only: it is a native addon, and AGPL, so it never ships).
import * as signal from "@signalapp/libsignal-client";

/** libsignal's stores, in memory. */
export class Stores {
  readonly sessions = new Map<string, signal.SessionRecord>();
  readonly identities = new Map<string, signal.PublicKey>();
  readonly preKeys = new Map<number, signal.PreKeyRecord>();
  readonly signedPreKeys = new Map<number, signal.SignedPreKeyRecord>();
  readonly kyberPreKeys = new Map<number, signal.KyberPreKeyRecord>();
  readonly identity = signal.IdentityKeyPair.generate();
  readonly registrationId = 1 + Math.floor(Math.random() * 16000);

  session = new (class extends signal.SessionStore {
    constructor(private readonly s: Stores) {
      super();
    }
    async saveSession(a: signal.ProtocolAddress, r: signal.SessionRecord) {
      this.s.sessions.set(a.toString(), r);
    }
    async getSession(a: signal.ProtocolAddress) {
      return this.s.sessions.get(a.toString()) ?? null;
    }
    async getExistingSessions(as: signal.ProtocolAddress[]) {
      return as.map((a) => this.s.sessions.get(a.toString())!);
    }
  })(this);

  identityStore = new (class extends signal.IdentityKeyStore {
    constructor(private readonly s: Stores) {
      super();
    }
    async getIdentityKey() {
      return this.s.identity.privateKey;
    }
    async getLocalRegistrationId() {
      return this.s.registrationId;
    }
    async saveIdentity(a: signal.ProtocolAddress, key: signal.PublicKey) {
      const old = this.s.identities.get(a.toString());
      this.s.identities.set(a.toString(), key);
      return old && !old.equals(key) ? signal.IdentityChange.ReplacedExisting : signal.IdentityChange.NewOrUnchanged;
    }
    async isTrustedIdentity() {
      return true;
    }
    async getIdentity(a: signal.ProtocolAddress) {
      return this.s.identities.get(a.toString()) ?? null;
    }
  })(this);

  preKeyStore = new (class extends signal.PreKeyStore {
    constructor(private readonly s: Stores) {
      super();
    }
    async savePreKey(id: number, r: signal.PreKeyRecord) {
      this.s.preKeys.set(id, r);
    }
    async getPreKey(id: number) {
      return this.s.preKeys.get(id)!;
    }
    async removePreKey(id: number) {
      this.s.preKeys.delete(id);
    }
  })(this);

  signedPreKeyStore = new (class extends signal.SignedPreKeyStore {
    constructor(private readonly s: Stores) {
      super();
    }
    async saveSignedPreKey(id: number, r: signal.SignedPreKeyRecord) {
      this.s.signedPreKeys.set(id, r);
    }
    async getSignedPreKey(id: number) {
      return this.s.signedPreKeys.get(id)!;
    }
  })(this);

  kyberPreKeyStore = new (class extends signal.KyberPreKeyStore {
    constructor(private readonly s: Stores) {
      super();
    }
    async saveKyberPreKey(id: number, r: signal.KyberPreKeyRecord) {
      this.s.kyberPreKeys.set(id, r);
    }
    async getKyberPreKey(id: number) {
      return this.s.kyberPreKeys.get(id)!;
    }
    async markKyberPreKeyUsed() {}
  })(this);

  readonly senderKeys = new Map<string, signal.SenderKeyRecord>();

  senderKeyStore = new (class extends signal.SenderKeyStore {
    constructor(private readonly s: Stores) {
      super();
    }
    async saveSenderKey(a: signal.ProtocolAddress, distributionId: signal.Uuid, r: signal.SenderKeyRecord) {
      this.s.senderKeys.set(`${a.toString()}/${distributionId}`, r);
    }
    async getSenderKey(a: signal.ProtocolAddress, distributionId: signal.Uuid) {
      return this.s.senderKeys.get(`${a.toString()}/${distributionId}`) ?? null;
    }
  })(this);

  /** What a libsignal client would upload: its own serializations and signatures. */
  generateUpload() {
    const signed = signal.PrivateKey.generate();
    const signedPub = signed.getPublicKey().serialize();
    const signedSig = this.identity.privateKey.sign(signedPub);
    this.signedPreKeys.set(7, signal.SignedPreKeyRecord.new(7, Date.now(), signed.getPublicKey(), signed, signedSig));
    const kyber = signal.KEMKeyPair.generate();
    const kyberSig = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    this.kyberPreKeys.set(300, signal.KyberPreKeyRecord.new(300, Date.now(), kyber, kyberSig));
    const pre = signal.PrivateKey.generate();
    this.preKeys.set(41, signal.PreKeyRecord.new(41, pre.getPublicKey(), pre));
    return {
      registrationId: this.registrationId,
      identityKey: this.identity.publicKey.serialize(),
      signedPreKey: { id: 7, publicKey: signedPub, signature: signedSig },
      lastResortKyber: { id: 300, publicKey: kyber.getPublicKey().serialize(), signature: kyberSig },
      preKeys: [{ id: 41, publicKey: pre.getPublicKey().serialize() }],
      kyberPreKeys: [],
    };
  }
}

