// `npm run demo`: two users, alice and bob, chat through the local gateway (`npm start`)
// while you watch: first contact over PQXDH, replies, a file encrypted, stored at the gateway,
// fetched, verified and decrypted; then carol comes, and the three talk and share a file in a
// group. Exits non-zero if anything does not arrive intact.
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ChatSession, type ChatEvents } from "./chat-session.ts";

const gatewayUrl = process.env.PARLEY_URL ?? "http://127.0.0.1:8787";
const pace = Number(process.env.DEMO_PACE_MS ?? 700);
const run = randomBytes(3).toString("hex"); // fresh names, so the demo can run again and again
const [aliceName, bobName, carolName] = [`alice-${run}`, `bob-${run}`, `carol-${run}`];
const color = { alice: "\x1b[36m", bob: "\x1b[35m", carol: "\x1b[33m", dim: "\x1b[2m", reset: "\x1b[0m" };
type Who = "alice" | "bob" | "carol";
const say = (who: Who, line: string) => console.log(`${color[who]}${who.padEnd(5)}${color.reset} ${line}`);
const note = (line: string) => console.log(`${color.dim}      ${line}${color.reset}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the next event of `kind` a session emits (that `match` accepts), or fails after 15 s. */
function next<K extends keyof ChatEvents & string>(session: ChatSession, kind: K, match: (value: ChatEvents[K]) => boolean = () => true): Promise<ChatEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${session.name}: no ${kind} within 15 s`)), 15_000);
    const off = session.on(kind, (value) => {
      if (!match(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

async function exchange(from: ChatSession, to: ChatSession, who: Who, text: string): Promise<void> {
  const arrived = next(to, "text");
  say(who, text);
  await from.sendText(to.name, text);
  const got = await arrived;
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
const got = await received;
const same = await sameFile(got.savedTo, file);
note(`bob fetched it through the gateway, checked both hashes, decrypted it: ${got.savedTo} (${got.size} bytes, ${same ? "identical" : "DIFFERENT"})`);
if (!same) throw new Error("the file did not arrive intact");
await sleep(pace);
await exchange(bob, alice, "bob", "thanks, it arrived intact");

note(`now ${carolName} joins, and alice starts a group with bob and carol`);
const carol = await ChatSession.open({ name: carolName, gatewayUrl, stateDir: ".parley/demo" });
await carol.connect();
const invitation = next(carol, "invited");
say("alice", `/group new Climbing ${bobName} ${carolName}`);
const created = await alice.groups.create("Climbing", [bobName, carolName]);
const group = created.id;
note(`the gateway made group ${group.slice(0, 8)}...; it knows who is in it, never its name, which goes to members encrypted`);
if (created.added.length > 0) note(`${listNames(created.added)} went straight in (bob wrote to alice, so by his default settings she may add him)`);
if (created.invited.length > 0) note(`${listNames(created.invited)} never wrote to alice: consent first, so she got an invitation instead`);
const { code } = await invitation;
note(`carol's screen: * ${aliceName} invited you to a group; to accept: /group join ${code}`);
await sleep(pace);
const named = next(carol, "groupNews", (n) => n.groupId === group);
say("carol", `/group join ${code}`);
await carol.groups.join(code);
const welcome = await named;
note(`carol's screen: [${welcome.group}] ${welcome.text}  (alice's chat sent the name again, end to end, for her)`);
await sleep(pace);

/** One line in the group: everyone else must receive it, with the group's name. */
async function groupSays(from: ChatSession, who: Who, text: string, others: readonly ChatSession[]): Promise<void> {
  const arrivals = others.map((o) => next(o, "groupText", (t) => t.groupId === group && t.text === text));
  say(who, text);
  await from.groups.send(group, text);
  for (const [i, got] of (await Promise.all(arrivals)).entries()) {
    if (got.group !== "Climbing" || got.from !== from.name) throw new Error(`${others[i]!.name} saw "[${got.group}] ${got.from}: ${got.text}"`);
  }
  note(`one sender-key message for all member devices; ${others.map((o) => o.name).join(" and ")} see: [Climbing] ${from.name}: ${text}`);
  await sleep(pace);
}
await groupSays(alice, "alice", "who is in for Saturday?", [bob, carol]);
await groupSays(bob, "bob", "me! 9am at the crag", [alice, carol]);
await groupSays(carol, "carol", "me too, here is the topo", [alice, bob]);

const topo = randomBytes(200_000);
const shared = [alice, bob].map((s) => next(s, "groupFile", (f) => f.groupId === group));
say("carol", `/file topo.jpg (${topo.length} bytes)`);
await carol.groups.sendFile(group, "topo.jpg", topo, "image/jpeg");
note("encrypted once, stored at the gateway once; the file's key went to the group in one group message");
for (const [i, got] of (await Promise.all(shared)).entries()) {
  const intact = await sameFile(got.savedTo, topo);
  note(`${[aliceName, bobName][i]} fetched and decrypted it: [${got.group}] ${got.from} sent ${got.fileName} (${got.size} bytes, ${intact ? "identical" : "DIFFERENT"})`);
  if (!intact) throw new Error("the group's file did not arrive intact");
}
await sleep(pace);

const renamed = [bob, carol].map((s) => next(s, "groupNews", (n) => n.groupId === group && n.group === "Bouldering"));
say("alice", "/group name Bouldering");
await alice.groups.rename(group, "Bouldering");
note(`bob and carol see: [Bouldering] ${(await Promise.all(renamed))[0]!.text}`);
await Promise.all([alice.close(), bob.close(), carol.close()]);
note("done: every message and the file arrived exactly as sent, in the group too");

function listNames(names: readonly string[]): string {
  return names.length === 0 ? "nobody" : names.join(" and ");
}

async function sameFile(path: string, bytes: Uint8Array): Promise<boolean> {
  const saved = await readFile(path);
  return createHash("sha256").update(saved).digest("hex") === createHash("sha256").update(bytes).digest("hex");
}
