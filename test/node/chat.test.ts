import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatSession, type ChatEvents } from "../../chat/chat-session.ts";
import { startDevGateway, type DevGateway } from "./dev-gateway.ts";

let gateway: DevGateway;
let stateDir: string;

beforeAll(async () => {
  gateway = await startDevGateway();
  stateDir = mkdtempSync(join(tmpdir(), "parley-chat-"));
});

afterAll(() => {
  gateway?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

function next<K extends keyof ChatEvents & string>(session: ChatSession, kind: K, match: (value: ChatEvents[K]) => boolean = () => true): Promise<ChatEvents[K]> {
  return new Promise((resolve) => {
    const off = session.on(kind, (value) => {
      if (!match(value)) return;
      off();
      resolve(value);
    });
  });
}

async function joined(name: string): Promise<ChatSession> {
  const session = await ChatSession.open({ name, gatewayUrl: gateway.base, stateDir });
  await session.connect();
  return session;
}

const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

describe("terminal chat (chat/) against wrangler dev", () => {
  it("two users find each other by name and exchange text and a file end to end", async () => {
    const [aliceName, bobName] = [unique("alice"), unique("bob")];
    const [alice, bob] = await Promise.all([joined(aliceName), joined(bobName)]);
    const hello = next(bob, "text");
    await alice.sendText(bobName, "hello bob");
    // Bob never asked for alice, but her profile is on this machine: he knows her name.
    expect(await hello).toEqual({ from: aliceName, fromId: alice.networkId, text: "hello bob" });
    const reply = next(alice, "text");
    await bob.sendText(aliceName, "hi alice");
    expect(await reply).toMatchObject({ from: bobName, text: "hi alice" });

    const file = new Uint8Array(randomBytes(300_000));
    const arrived = next(bob, "file");
    await alice.sendFile(bobName, "../../etc/evil name.bin", file);
    const got = await arrived;
    // The peer picks the file name, never the folder it lands in.
    expect(got.fileName).toBe("evil_name.bin");
    expect(got.savedTo.startsWith(join(stateDir, `${bobName}-downloads`))).toBe(true);
    expect(new Uint8Array(readFileSync(got.savedTo))).toEqual(file);
    await Promise.all([alice.close(), bob.close()]);
  });

  it("a restarted client is the same device and receives what was sent while it was away", async () => {
    const [aliceName, bobName] = [unique("alice"), unique("bob")];
    const [alice, bob] = await Promise.all([joined(aliceName), joined(bobName)]);
    const first = next(bob, "text");
    await alice.sendText(bobName, "before");
    await first;
    await bob.close();
    await alice.sendText(bobName, "while you were away");
    const again = await ChatSession.open({ name: bobName, gatewayUrl: gateway.base, stateDir });
    expect(again.networkId).toBe(bob.networkId);
    const missed = next(again, "text");
    await again.connect();
    // The Signal session survived the restart: the backlog decrypts.
    expect((await missed).text).toBe("while you were away");
    await Promise.all([alice.close(), again.close()]);
  });

  it("`npm run demo` runs its scripted conversation and file transfer to the end", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "parley-demo-"));
    const child = spawn(process.execPath, ["--experimental-transform-types", "--no-warnings", join(process.cwd(), "chat/demo.ts")], {
      cwd,
      env: { ...process.env, PARLEY_URL: gateway.base, DEMO_PACE_MS: "0" },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    rmSync(cwd, { recursive: true, force: true });
    expect(code, output).toBe(0);
    expect(output).toContain("identical");
    expect(output).toContain("every message and the file arrived exactly as sent, in the group too");
    // The group part: an invitation accepted, the name shown on every screen, a file shared.
    expect(output).toMatch(/carol's screen: \[Climbing\] you joined/);
    expect(output).toMatch(/see: \[Climbing\] carol-\w+: me too, here is the topo/);
    expect(output).toMatch(/bob-\w+ fetched and decrypted it: \[Climbing\] carol-\w+ sent topo.jpg \(200000 bytes, identical\)/);
    expect(output).toMatch(/\[Bouldering\] alice-\w+ renamed the group from Climbing to Bouldering/);
  });
});

/** `npm run chat -- <args>` in `cwd` (profiles in cwd/.parley/chat), typed into and read like a terminal. */
class ChatProcess {
  readonly #child;
  #raw = "";
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(cwd: string, args: readonly string[], env: Readonly<Record<string, string>>) {
    this.#child = spawn(process.execPath, ["--experimental-transform-types", "--no-warnings", join(process.cwd(), "chat/main.ts"), ...args], {
      cwd,
      env: { ...process.env, ...env },
    });
    const take = (d: Buffer) => {
      this.#raw += d.toString();
      for (const wake of this.#waiters) wake();
    };
    this.#child.stdout.on("data", take);
    this.#child.stderr.on("data", take);
    this.exited = new Promise((resolve) =>
      this.#child.on("exit", (code) => {
        resolve(code);
        for (const wake of this.#waiters) wake();
      }),
    );
  }

  /** What a person sees: each printed line once, without the prompt it overwrote. */
  lines(): string[] {
    return this.#raw
      .replace(/\x1b\[K/g, "")
      .split("\n")
      .map((line) => line.slice(line.lastIndexOf("\r") + 1))
      .filter((line) => line.trim() !== "");
  }

  /** Resolves with the index of the first line matching `pattern` (at or after `from`). */
  waitFor(pattern: RegExp, from = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.lines().findIndex((line, n) => n >= from && pattern.test(line));
        if (i >= 0) {
          this.#waiters.delete(check);
          resolve(i);
        } else if (this.#child.exitCode !== null) {
          this.#waiters.delete(check);
          reject(new Error(`chat exited without printing ${pattern}:\n${this.lines().join("\n")}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  type(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** Ends input the way Ctrl-D does: the chat saves its profile and exits. */
  quit(): Promise<number | null> {
    this.#child.stdin.end();
    return this.exited;
  }
}

/** A TCP relay in front of the gateway: taking it down is the gateway vanishing from the network. */
async function startRelay(target: URL): Promise<{ url: string; down(): Promise<void>; up(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen(0);
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
    up: () => listen(port),
  };
}

/**
 * `npm run chat` prints `joined` as its session opens, before it has made itself
 * discoverable: until then a lookup of its name finds nobody.
 */
async function sendOnceFound(from: ChatSession, to: string, text: string): Promise<void> {
  for (;;) {
    try {
      return await from.sendText(to, text);
    } catch (err) {
      if (!String(err).includes("has joined yet")) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A 26-character network ID anywhere in what the chat printed. */
const NETWORK_ID = /(?<![a-z2-7])[a-z2-7]{26}(?![a-z2-7])/;

describe("the terminal chat speaks people's language (issue 11 §4)", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-chat-user-"));
    dirs.push(dir);
    return dir;
  };
  /** A user who has run the chat once in `dir` (enrolled, keys published, discoverable), now offline. */
  const ranOnce = async (name: string, dir: string) => {
    const session = await ChatSession.open({ name, gatewayUrl: gateway.base, stateDir: join(dir, ".parley/chat") });
    await session.connect();
    return session;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("names the command line's peer, prints `joined` before the backlog, and remembers the name in the profile", async () => {
    const [aliceName, bobName] = [unique("alice"), unique("bob")];
    const [aliceDir, bobDir] = [freshDir(), freshDir()]; // two machines: alice cannot read bob's profile
    await (await ranOnce(aliceName, aliceDir)).close();
    const bob = await ranOnce(bobName, bobDir);
    await bob.sendText(aliceName, "sent before you came online");

    const alice = new ChatProcess(aliceDir, [aliceName, bobName], { PARLEY_URL: gateway.base });
    const joinedAt = await alice.waitFor(/^\* joined /);
    const messageAt = await alice.waitFor(/sent before you came online$/);
    await alice.waitFor(/^\* 1 message was waiting while you were away$/);
    expect(alice.lines()[joinedAt]).toBe(`* joined ${gateway.base} as ${aliceName}, talking to ${bobName}; /help for commands`);
    expect(joinedAt).toBeLessThan(messageAt);
    expect(alice.lines()[messageAt]).toBe(`${bobName}: sent before you came online`);
    expect(await alice.quit()).toBe(0);
    expect(alice.lines().join("\n")).not.toMatch(NETWORK_ID);
    const profile = JSON.parse(readFileSync(join(aliceDir, `.parley/chat/${aliceName}.json`), "utf8")) as { peers?: Record<string, string> };
    expect(profile.peers).toEqual({ [bob.networkId]: bobName });

    // Started again without a peer, alice still knows who bob is: the name came from the profile.
    const again = new ChatProcess(aliceDir, [aliceName], { PARLEY_URL: gateway.base });
    await again.waitFor(/^\* joined /);
    await bob.sendText(aliceName, "still me");
    await again.waitFor(/still me$/);
    expect(again.lines()).toContain(`${bobName}: still me`);
    expect(await again.quit()).toBe(0);
    await bob.close();
  });

  it("says `sent to <name>` on the side that named its peer on the command line", async () => {
    const [aliceName, bobName] = [unique("alice"), unique("bob")];
    const [aliceDir, bobDir] = [freshDir(), freshDir()];
    const alice = await ranOnce(aliceName, aliceDir);
    const arrived = next(alice, "file");
    const bob = new ChatProcess(bobDir, [bobName, aliceName], { PARLEY_URL: gateway.base });
    await bob.waitFor(new RegExp(`^\\* joined .*, talking to ${aliceName};`));
    writeFileSync(join(bobDir, "note.txt"), "a file for alice");
    bob.type("/file note.txt");
    await bob.waitFor(/^\* note.txt sent to /);
    expect(bob.lines()).toContain(`* note.txt sent to ${aliceName}`);
    expect((await arrived).fileName).toBe("note.txt");
    expect(await bob.quit()).toBe(0);
    expect(bob.lines().join("\n")).not.toMatch(NETWORK_ID);
    await alice.close();
  });

  it("names a sender from a profile on this machine, else shows `someone (user:…)` until /to names them", async () => {
    const [aliceName, bobName, carolName] = [unique("alice"), unique("bob"), unique("carol")];
    const [here, elsewhere] = [freshDir(), freshDir()];
    const alice = new ChatProcess(here, [aliceName], { PARLEY_URL: gateway.base });
    await alice.waitFor(/^\* joined /);
    const bob = await ranOnce(bobName, here); // same machine: bob's profile sits next to alice's
    await sendOnceFound(bob, aliceName, "hi from next door");
    await alice.waitFor(/hi from next door$/);
    expect(alice.lines()).toContain(`${bobName}: hi from next door`);

    const carol = await ranOnce(carolName, elsewhere); // another machine, never named by alice
    await carol.sendText(aliceName, "who am I?");
    const from = await alice.waitFor(/who am I\?$/);
    expect(alice.lines()[from]).toBe(`someone (user:${carol.networkId.slice(0, 8)}): who am I?`);
    alice.type(`/to ${carolName}`);
    await alice.waitFor(new RegExp(`^\\* talking to ${carolName}$`));
    await carol.sendText(aliceName, "now you know");
    await alice.waitFor(/now you know$/);
    expect(alice.lines()).toContain(`${carolName}: now you know`);
    expect(await alice.quit()).toBe(0);
    expect(alice.lines().join("\n")).not.toMatch(NETWORK_ID);
    await Promise.all([bob.close(), carol.close()]);
  });

  it("tells a lost gateway and the reconnect in words, then what waited", async () => {
    const relay = await startRelay(new URL(gateway.base));
    const [aliceName, bobName] = [unique("alice"), unique("bob")];
    const dir = freshDir();
    const alice = new ChatProcess(dir, [aliceName], { PARLEY_URL: relay.url });
    await alice.waitFor(/^\* joined /);
    const bob = await ranOnce(bobName, freshDir());
    await sendOnceFound(bob, aliceName, "first");
    await alice.waitFor(/first$/);

    await relay.down();
    const lost = await alice.waitFor(/^\* gateway unreachable, retrying in \d+ s$/);
    await bob.sendText(aliceName, "sent while you were offline");
    await relay.up();
    const back = await alice.waitFor(/^\* reconnected$/, lost);
    await alice.waitFor(/sent while you were offline$/, back);
    // The count is the gateway's: "first" is in it again if alice's ack was still on its way when the link went.
    await alice.waitFor(/^\* \d+ messages? w(as|ere) waiting while you were away$/, back);
    expect(await alice.quit()).toBe(0);
    const printed = alice.lines().join("\n");
    expect(printed).not.toMatch(/connection closed|stanza|\(\d{4}\)/);
    expect(printed).not.toMatch(NETWORK_ID);
    await bob.close();
    await relay.down();
  });

  it("PARLEY_URL naming another gateway than the profile's: one clear message, profile untouched", async () => {
    const aliceName = unique("alice");
    const dir = freshDir();
    await (await ranOnce(aliceName, dir)).close();
    const path = join(dir, `.parley/chat/${aliceName}.json`);
    const before = readFileSync(path);
    const other = "http://127.0.0.1:9";
    const chat = new ChatProcess(dir, [aliceName], { PARLEY_URL: other });
    expect(await chat.exited).toBe(1);
    expect(chat.lines()).toEqual([
      `this profile belongs to the gateway at ${gateway.base}; PARLEY_URL says ${other}: use another name or remove .parley/chat/${aliceName}.json`,
    ]);
    expect(readFileSync(path)).toEqual(before);
  });
});

describe("groups in the terminal chat (issue 15)", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-chat-group-"));
    dirs.push(dir);
    return dir;
  };
  const online = async (name: string, dir: string) => {
    const session = await ChatSession.open({ name, gatewayUrl: gateway.base, stateDir: join(dir, ".parley/chat") });
    await session.connect();
    return session;
  };
  const groupText = (s: ChatSession, text: string) => next(s, "groupText", (t) => t.text === text);
  const news = (s: ChatSession, text: string) => next(s, "groupNews", (n) => n.text === text);
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("three people: a group made by name, its name on every line, adds, removes and a file, all kept across a restart", async () => {
    const [aliceName, bobName, carolName] = [unique("alice"), unique("bob"), unique("carol")];
    const dir = freshDir(); // one machine: everyone's name is known from the profiles
    const [bob, carol] = await Promise.all([online(bobName, dir), online(carolName, dir)]);
    await bob.setGroupPrivacy("everyone"); // carol keeps the default: only people she wrote to add her
    const alice = new ChatProcess(dir, [aliceName], { PARLEY_URL: gateway.base });
    await alice.waitFor(/^\* joined /);

    const bobAdded = next(bob, "groupNews");
    const carolInvited = next(carol, "invited");
    alice.type(`/group new Climbing ${bobName} ${carolName}`);
    const createdAt = await alice.waitFor(/^\* created /);
    expect(alice.lines()[createdAt]).toBe(`* created Climbing: ${bobName} is in, ${carolName} was invited (they accept with /group join); talking in Climbing`);
    // Bob's notice waited for the name, which came encrypted after it.
    expect(await bobAdded).toMatchObject({ group: "Climbing", text: `${aliceName} created the group with you` });
    const { groupId } = await bobAdded;

    const invitation = await carolInvited;
    expect(invitation).toEqual({ from: aliceName, groupId, code: groupId.slice(0, 8) });
    const carolIn = next(carol, "groupNews");
    await carol.groups.join(invitation.code);
    await alice.waitFor(new RegExp(`^\\[Climbing\\] ${carolName} joined$`));
    // Carol joined after the name was sent: alice's chat sent it again for her.
    expect(await carolIn).toEqual({ group: "Climbing", groupId, text: "you joined" });

    const [bobHears, carolHears] = [groupText(bob, "hello climbers"), groupText(carol, "hello climbers")];
    alice.type("hello climbers"); // the new group is the current conversation
    expect(await bobHears).toEqual({ group: "Climbing", groupId, from: aliceName, fromId: expect.any(String), text: "hello climbers" });
    expect(await carolHears).toMatchObject({ group: "Climbing", from: aliceName });
    await bob.groups.send(groupId, "yes");
    await alice.waitFor(new RegExp(`^\\[Climbing\\] ${bobName}: yes$`));

    const [bobSeesRemoval, carolRemoved] = [news(bob, `${aliceName} removed ${carolName}`), news(carol, `${aliceName} removed you`)];
    alice.type(`/group remove ${carolName}`);
    await alice.waitFor(new RegExp(`^\\[Climbing\\] you removed ${carolName}$`));
    await Promise.all([bobSeesRemoval, carolRemoved]);
    await expect(carol.groups.send(groupId, "still here?")).rejects.toThrow("you are no longer in Climbing");

    await carol.setGroupPrivacy("everyone");
    const [bobSeesAdd, carolAdded] = [news(bob, `${aliceName} added ${carolName}`), news(carol, `${aliceName} added you`)];
    alice.type(`/group add ${carolName}`);
    await alice.waitFor(new RegExp(`^\\[Climbing\\] you added ${carolName}$`));
    await Promise.all([bobSeesAdd, carolAdded]);
    // Back in, carol's chat knows it at once: she can name the group again.
    expect(carol.groups.resolve("Climbing").id).toBe(groupId);

    const topo = new Uint8Array(randomBytes(150_000));
    writeFileSync(join(dir, "topo.bin"), topo);
    const [bobFile, carolFile] = [next(bob, "groupFile"), next(carol, "groupFile")];
    alice.type("/file topo.bin");
    await alice.waitFor(/^\* topo.bin shared in Climbing$/);
    for (const got of [await bobFile, await carolFile]) {
      expect(got).toMatchObject({ group: "Climbing", groupId, from: aliceName, fileName: "topo.bin", size: topo.length });
      expect(new Uint8Array(readFileSync(got.savedTo))).toEqual(topo);
    }
    expect(await alice.quit()).toBe(0);

    // Restarted, alice still knows the group by name, her sender key and bob's.
    const again = new ChatProcess(dir, [aliceName], { PARLEY_URL: gateway.base });
    await again.waitFor(/^\* joined /);
    const [bobBack, carolBack] = [groupText(bob, "back again"), groupText(carol, "back again")];
    again.type("/g climbing back again");
    expect(await bobBack).toMatchObject({ group: "Climbing", from: aliceName });
    await carolBack;
    await bob.groups.send(groupId, "welcome back");
    await again.waitFor(new RegExp(`^\\[Climbing\\] ${bobName}: welcome back$`));
    again.type("/groups");
    const listed = await again.waitFor(/^\* Climbing \(admin\): /);
    expect(again.lines()[listed]).toMatch(new RegExp(`^\\* Climbing \\(admin\\): you, (${bobName}, ${carolName}|${carolName}, ${bobName})$`));
    expect(await again.quit()).toBe(0);
    // Group IDs are network-ID shaped: never printed whole either.
    expect([...alice.lines(), ...again.lines()].join("\n")).not.toMatch(NETWORK_ID);
    expect(again.lines().join("\n")).not.toMatch(/decrypt|retry/i);
    await Promise.all([bob.close(), carol.close()]);
  });

  it("an invitation says how to accept, survives a restart, and /group join takes it", async () => {
    const [aliceName, carolName] = [unique("alice"), unique("carol")];
    const dir = freshDir();
    await (await online(carolName, dir)).close();
    const alice = await online(aliceName, dir);
    const carol = new ChatProcess(dir, [carolName], { PARLEY_URL: gateway.base });
    await carol.waitFor(/^\* joined /);
    const { id, invited } = await alice.groups.create("Climbing", [carolName]);
    expect(invited).toEqual([carolName]);
    const at = await carol.waitFor(/invited you to a group/);
    expect(carol.lines()[at]).toBe(`* ${aliceName} invited you to a group; to accept: /group join ${id.slice(0, 8)}`);
    expect(await carol.quit()).toBe(0);

    const again = new ChatProcess(dir, [carolName], { PARLEY_URL: gateway.base });
    await again.waitFor(/^\* joined /);
    again.type("/group join nope");
    await again.waitFor(/^! no invitation nope: /);
    const joinedNews = next(alice, "groupNews", (n) => n.groupId === id);
    again.type(`/group join ${id.slice(0, 8)}`);
    await again.waitFor(new RegExp(`^\\* joined group ${id.slice(0, 8)}; talking in it$`));
    expect((await joinedNews).text).toBe(`${carolName} joined`);
    await again.waitFor(/^\[Climbing\] you joined$/);
    const hi = groupText(alice, "hi all");
    again.type("hi all");
    expect(await hi).toMatchObject({ group: "Climbing", from: carolName });
    expect(await again.quit()).toBe(0);
    await alice.close();
  });

  it("two groups of one name: /g says so and asks for a unique one", async () => {
    const [aliceName, bobName] = [unique("alice"), unique("bob")];
    const dir = freshDir();
    const bob = await online(bobName, dir);
    await bob.setGroupPrivacy("everyone");
    await bob.close();
    const alice = await online(aliceName, dir);
    const first = await alice.groups.create("Climbing", [bobName]);
    const second = await alice.groups.create("climbing", [bobName]);
    expect(() => alice.groups.resolve("Climbing")).toThrow(
      `2 groups are called Climbing (${first.id.slice(0, 8)} and ${second.id.slice(0, 8)}): name one by the start of its ID, or rename one with /group name`,
    );
    expect(alice.groups.resolve(second.id.slice(0, 8)).id).toBe(second.id);
    await alice.close();
  });

  it("a profile written before groups still opens, and then keeps groups", async () => {
    const aliceName = unique("alice");
    const dir = freshDir();
    await (await online(aliceName, dir)).close();
    const path = join(dir, `.parley/chat/${aliceName}.json`);
    const { groups: _groups, invites: _invites, ...old } = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify(old));
    await (await online(aliceName, dir)).close();
    const saved = JSON.parse(readFileSync(path, "utf8")) as { groups?: { format?: string } };
    expect(saved.groups?.format).toBe("parley-groups");
  });
});
