import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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

function next<K extends "text" | "file">(session: ChatSession, kind: K): Promise<ChatEvents[K]> {
  return new Promise((resolve) => {
    const off = session.on(kind, (value) => {
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
    expect(await hello).toEqual({ from: `user:${alice.networkId.slice(0, 8)}`, fromId: alice.networkId, text: "hello bob" });
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
    expect(output).toContain("every message and the file arrived exactly as sent");
  });
});
