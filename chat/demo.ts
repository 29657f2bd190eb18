// `npm run demo`: two users, alice and bob, chat through the local gateway (`npm start`)
// while you watch: first contact over PQXDH, replies, a file encrypted, stored at the gateway,
// fetched, verified and decrypted. Exits non-zero if anything does not arrive intact.
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ChatSession } from "./chat-session.ts";

const gatewayUrl = process.env.PARLEY_URL ?? "http://127.0.0.1:8787";
const pace = Number(process.env.DEMO_PACE_MS ?? 700);
const run = randomBytes(3).toString("hex"); // fresh names, so the demo can run again and again
const [aliceName, bobName] = [`alice-${run}`, `bob-${run}`];
const color = { alice: "\x1b[36m", bob: "\x1b[35m", dim: "\x1b[2m", reset: "\x1b[0m" };
const say = (who: "alice" | "bob", line: string) => console.log(`${color[who]}${who.padEnd(5)}${color.reset} ${line}`);
const note = (line: string) => console.log(`${color.dim}      ${line}${color.reset}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the next event of `kind` a session emits, or fails after 15 s. */
function next<K extends "text" | "file">(session: ChatSession, kind: K): Promise<Parameters<Parameters<ChatSession["on"]>[1]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${session.name}: no ${kind} within 15 s`)), 15_000);
    const off = session.on(kind, (value) => {
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

async function exchange(from: ChatSession, to: ChatSession, who: "alice" | "bob", text: string): Promise<void> {
  const arrived = next(to, "text");
  say(who, text);
  await from.sendText(to.name, text);
  const got = (await arrived) as { from: string; text: string };
  if (got.text !== text) throw new Error(`${to.name} received "${got.text}", not "${text}"`);
  note(`delivered to ${to.name}, decrypted: "${got.text}"`);
  await sleep(pace);
}

note(`gateway ${gatewayUrl}; users ${aliceName} and ${bobName} enroll with the development provider`);
const alice = await ChatSession.open({ name: aliceName, gatewayUrl, stateDir: ".parley/demo" });
const bob = await ChatSession.open({ name: bobName, gatewayUrl, stateDir: ".parley/demo" });
await alice.connect();
await bob.connect();
note(`both connected over Noise, published Signal prekeys, and made themselves discoverable`);
await sleep(pace);
await exchange(alice, bob, "alice", "hi bob! this is end-to-end encrypted; the gateway only routes ciphertext");
await exchange(bob, alice, "bob", "hi alice, got it. a Noise session to the gateway, a Signal session to you");
await exchange(alice, bob, "alice", "let me send you a file");

const file = randomBytes(1024 * 1024 + 12345);
const received = next(bob, "file");
say("alice", `/file holiday.bin (${file.length} bytes)`);
const media = await alice.sendFile(bob.name, "holiday.bin", file);
note(`encrypted with a fresh key, uploaded to the gateway as ${Buffer.from(media.encryptedSha256).toString("hex").slice(0, 16)}...`);
const got = (await received) as { savedTo: string; size: number };
const saved = await readFile(got.savedTo);
const same = createHash("sha256").update(saved).digest("hex") === createHash("sha256").update(file).digest("hex");
note(`bob fetched it through the gateway, checked both hashes, decrypted it: ${got.savedTo} (${got.size} bytes, ${same ? "identical" : "DIFFERENT"})`);
if (!same) throw new Error("the file did not arrive intact");
await sleep(pace);
await exchange(bob, alice, "bob", "thanks, it arrived intact");
await Promise.all([alice.close(), bob.close()]);
note("done: every message and the file arrived exactly as sent");
