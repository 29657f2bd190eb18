// The SDK's Signal protocol against libsignal's native code, same conversation, same run:
// `npm run bench:signal`. One message = encrypt on one side + decrypt on the other, in an
// alternating conversation long enough to complete several SPQR epochs. Most messages move a
// 32-byte SPQR chunk only; a few per epoch also run an ML-KEM-768 step (key generation,
// encapsulation, or decapsulation), so the table splits messages by cost: the median message
// is one without a KEM step, the slowest 3% are the ones with one. Runs in Node (libsignal is a
// native addon; workerd's clock does not advance during synchronous code).
import * as signal from "@signalapp/libsignal-client";
import { afterAll, beforeAll, it } from "vitest";
import {
  MemorySignalStore,
  SessionCipher,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generatePreKeys,
  generateRegistrationId,
  generateSignedPreKey,
  processPreKeyBundle,
} from "../client/e2ee/index.ts";
import { Stores } from "../test/node/libsignal-stores.ts";
import { printMachine } from "./machine.ts";

const MESSAGES = Number(process.env.BENCH_SIGNAL_MESSAGES ?? "1000");
const PAYLOAD = new Uint8Array(200).fill(0x61);

beforeAll(() => printMachine("start"));
afterAll(() => printMachine("end"));

/** Which side sends message i: 0 (the initiator) or 1. */
type Pattern = (i: number) => 0 | 1;
/** Every message a DH ratchet step: three X25519 operations each. */
const alternating: Pattern = (i) => (i % 2 === 0 ? 0 : 1);
/** After one reply, one side only: no DH ratchet steps, the symmetric chain and SPQR alone. */
const oneSided: Pattern = (i) => (i === 1 ? 1 : 0);

interface Pair {
  /** Sends one message from side `pattern(i)` and decrypts it on the other side. */
  message(i: number, pattern: Pattern): Promise<void>;
}

async function sdkPair(): Promise<Pair> {
  const make = (name: string) => {
    const identity = generateIdentityKeyPair();
    return { address: `net.${name}`, identity, store: new MemorySignalStore(identity, generateRegistrationId()) };
  };
  const [a, b] = [make("alice"), make("bob")];
  const spk = generateSignedPreKey(b.identity, 1);
  const kyber = generateKyberPreKey(b.identity, 2, false);
  const [opk] = generatePreKeys(3, 1);
  b.store.storeSignedPreKey(spk);
  b.store.storeKyberPreKey(kyber);
  b.store.storePreKey(opk!);
  processPreKeyBundle(a.store, b.address, {
    deviceId: "bob",
    registrationId: b.store.registrationId(),
    identityKey: b.identity.publicKey,
    signedPreKey: { id: spk.id, publicKey: spk.keyPair.publicKey, signature: spk.signature },
    kyberPreKey: { id: kyber.id, publicKey: kyber.publicKey, signature: kyber.signature },
    preKey: { id: opk!.id, publicKey: opk!.keyPair.publicKey },
  });
  const ciphers = [new SessionCipher(a.store, b.address), new SessionCipher(b.store, a.address)] as const;
  return {
    async message(i, pattern) {
      const [from, to] = pattern(i) === 0 ? [ciphers[0], ciphers[1]] : [ciphers[1], ciphers[0]];
      const sent = from.encrypt(PAYLOAD);
      to.decrypt(sent.type, sent.body);
    },
  };
}

async function libsignalPair(): Promise<Pair> {
  const [a, b] = [new Stores(), new Stores()];
  const [aAddress, bAddress] = [signal.ProtocolAddress.new("alice", 1), signal.ProtocolAddress.new("bob", 1)];
  const upload = b.generateUpload();
  const bundle = signal.PreKeyBundle.new(
    upload.registrationId,
    1,
    upload.preKeys[0]!.id,
    signal.PublicKey.deserialize(new Uint8Array(upload.preKeys[0]!.publicKey)),
    upload.signedPreKey.id,
    signal.PublicKey.deserialize(new Uint8Array(upload.signedPreKey.publicKey)),
    new Uint8Array(upload.signedPreKey.signature),
    b.identity.publicKey,
    upload.lastResortKyber.id,
    signal.KEMPublicKey.deserialize(new Uint8Array(upload.lastResortKyber.publicKey)),
    new Uint8Array(upload.lastResortKyber.signature),
  );
  await signal.processPreKeyBundle(bundle, bAddress, aAddress, a.session, a.identityStore);
  const payload = new Uint8Array(PAYLOAD);
  return {
    async message(i, pattern) {
      const [from, to, fromAddress, toAddress] = pattern(i) === 0 ? [a, b, aAddress, bAddress] : [b, a, bAddress, aAddress];
      const ct = await signal.signalEncrypt(payload, toAddress, fromAddress, from.session, from.identityStore);
      if (ct.type() === signal.CiphertextMessageType.PreKey) {
        await signal.signalDecryptPreKey(
          signal.PreKeySignalMessage.deserialize(ct.serialize()),
          fromAddress,
          toAddress,
          to.session,
          to.identityStore,
          to.preKeyStore,
          to.signedPreKeyStore,
          to.kyberPreKeyStore,
        );
      } else {
        await signal.signalDecrypt(signal.SignalMessage.deserialize(ct.serialize()), fromAddress, toAddress, to.session, to.identityStore);
      }
    },
  };
}

interface Timing {
  readonly meanMs: number;
  readonly p50Ms: number;
  /** Mean of the slowest 3%: the messages that carry an ML-KEM step. */
  readonly slowMs: number;
  readonly maxMs: number;
}

async function time(pair: Pair, count: number, pattern: Pattern): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await pair.message(i, pattern);
    samples.push(performance.now() - t0);
  }
  samples.sort((x, y) => x - y);
  const slow = samples.slice(Math.floor(samples.length * 0.97));
  return {
    meanMs: samples.reduce((s, x) => s + x, 0) / samples.length,
    p50Ms: samples[Math.floor(samples.length / 2)]!,
    slowMs: slow.reduce((s, x) => s + x, 0) / slow.length,
    maxMs: samples[samples.length - 1]!,
  };
}

it("SDK vs libsignal: encrypt + decrypt per message", { timeout: 600_000 }, async () => {
  // Warm-up: JIT for the SDK, lazy initialisation for libsignal.
  await time(await sdkPair(), 200, alternating);
  await time(await libsignalPair(), 200, alternating);
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  const x = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  for (const [label, pattern] of [["alternating (a DH ratchet step per message)", alternating], ["one-sided (no DH ratchet step)", oneSided]] as const) {
    const sdk = await time(await sdkPair(), MESSAGES, pattern);
    const native = await time(await libsignalPair(), MESSAGES, pattern);
    console.log(`\n### Signal protocol, one 200-byte message (encrypt + decrypt), ${label}, ${MESSAGES} messages`);
    console.log("| implementation | mean | median (no ML-KEM step) | slowest 3% (an ML-KEM step) | max |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const [name, t] of [["libsignal 0.103 (native Rust)", native], ["Parley SDK (TypeScript, @noble)", sdk]] as const) {
      console.log(`| ${name} | ${ms(t.meanMs)} | ${ms(t.p50Ms)} | ${ms(t.slowMs)} | ${ms(t.maxMs)} |`);
    }
    console.log(`| SDK / libsignal | ${x(sdk.meanMs, native.meanMs)} | ${x(sdk.p50Ms, native.p50Ms)} | ${x(sdk.slowMs, native.slowMs)} | ${x(sdk.maxMs, native.maxMs)} |`);
  }
});
