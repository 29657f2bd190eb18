// `npm run chat -- <name> [peer]`: a terminal chat on the reference SDK against a local
// gateway (`npm start`). Type to send to the current peer or group; /help lists the commands.
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { ChatSession } from "./chat-session.ts";
import { GROUP_HELP, groupCommand, type Conversation } from "./group-commands.ts";
import { GatewayMismatchError, ProfileError } from "./profile.ts";

const HELP = `commands:
  /to <name>     talk to <name> (they must have run the chat once)
  /file <path>   send a file, encrypted end to end, to the current peer or group
  /quit          leave (your device is kept in .parley/chat for next time)
${GROUP_HELP}
anything else is sent as a message to the current peer or group`;

const [name, firstPeer] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const DEFAULT_URL = "http://127.0.0.1:8787";
const gatewayUrl = process.env.PARLEY_URL ?? DEFAULT_URL;
if (!name || !/^[a-z0-9_.-]{1,32}$/i.test(name)) {
  console.error("usage: npm run chat -- <your name> [peer name]   (names: letters, digits, _ . -)");
  process.exit(2);
}

const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `${name}> ` });
/** Prints above the prompt without mangling what the user is typing. */
const print = (line: string) => {
  process.stdout.write(`\r\x1b[K${line}\n`);
  rl.prompt(true);
};

/** A peer by name as typed, or the network ID of whoever wrote first (chat.nameOf() shows either), or a group. */
let current: Conversation | undefined = firstPeer ? { kind: "peer", peer: firstPeer } : undefined;
// Lines typed (or piped) while joining are queued, then handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
rl.on("line", (input) => {
  queue = queue.then(() => handle(input.trim())).catch((err: unknown) => print(`! ${err instanceof Error ? err.message : String(err)}`));
});
rl.on("close", () => {
  queue = queue.then(async () => {
    await (await joined).close();
    process.exit(0);
  });
});

/** Why the chat cannot start, said once, with what to do about it. */
function cannotOpen(err: unknown): string[] {
  if (err instanceof GatewayMismatchError) {
    const asked = process.env.PARLEY_URL ? `PARLEY_URL says ${gatewayUrl}` : `the chat uses ${DEFAULT_URL} (PARLEY_URL is not set)`;
    return [`this profile belongs to the gateway at ${err.profileGateway}; ${asked}: use another name or remove ${err.path}`];
  }
  if (err instanceof ProfileError) return [err.message];
  return [
    `could not join ${gatewayUrl}: ${err instanceof Error ? err.message : String(err)}`,
    "is the gateway running? start it in another terminal with `npm start`",
  ];
}

const joined = ChatSession.open({ name, gatewayUrl, stateDir: ".parley/chat", peers: firstPeer ? [firstPeer] : [] }).catch((err: unknown) => {
  for (const line of cannotOpen(err)) console.error(line);
  process.exit(1);
});
const chat = await joined;
chat.on("joined", () => print(`* joined ${gatewayUrl} as ${name}${firstPeer ? `, talking to ${chat.nameOf(firstPeer)}` : ""}; /help for commands`));
chat.on("text", ({ from, fromId, text }) => {
  current ??= { kind: "peer", peer: fromId }; // answer whoever wrote first
  print(`${from}: ${text}`);
});
chat.on("file", ({ from, fileName, size, savedTo }) => print(`${from} sent ${fileName} (${size} bytes), decrypted and verified: ${savedTo}`));
chat.on("groupText", ({ group, groupId, from, text }) => {
  current ??= { kind: "group", id: groupId };
  print(`[${group}] ${from}: ${text}`);
});
chat.on("groupFile", ({ group, from, fileName, size, savedTo }) => print(`[${group}] ${from} sent ${fileName} (${size} bytes), decrypted and verified: ${savedTo}`));
chat.on("groupNews", ({ group, text }) => print(`[${group}] ${text}`));
chat.on("invited", ({ from, code }) => print(`* ${from} invited you to a group; to accept: /group join ${code}`));
chat.on("status", (s) => print(`* ${s}`));
await chat.connect().catch((err: unknown) => {
  console.error(`could not connect to ${gatewayUrl}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

async function handle(line: string): Promise<void> {
  const chat = await joined;
  if (line === "") return rl.prompt();
  const [command = "", ...rest] = line.split(/\s+/);
  const arg = rest.join(" ");
  const group = await groupCommand(chat, command, rest, current, print);
  if (group) {
    current = group.conversation;
    return rl.prompt();
  }
  switch (command) {
    case "/help":
      return print(HELP);
    case "/quit":
      return void rl.close();
    case "/to": {
      const found = await chat.find(arg);
      current = { kind: "peer", peer: found };
      return print(`* talking to ${chat.nameOf(found)}`);
    }
    case "/file": {
      if (!current) return print("! choose a peer first: /to <name>, or a group: /g <group>");
      const bytes = new Uint8Array(await readFile(arg));
      print(`* encrypting and uploading ${arg} (${bytes.length} bytes)...`);
      if (current.kind === "group") {
        await chat.groups.sendFile(current.id, arg, bytes);
        return print(`* ${arg} shared in ${chat.groups.label(current.id)}`);
      }
      await chat.sendFile(current.peer, arg, bytes);
      return print(`* ${arg} sent to ${chat.nameOf(current.peer)}`);
    }
    default:
      if (line.startsWith("/")) return print(`! unknown command ${command}; /help lists them`);
      if (!current) return print("! choose a peer first: /to <name>, or a group: /g <group>");
      if (current.kind === "group") await chat.groups.send(current.id, line);
      else await chat.sendText(current.peer, line);
      rl.prompt();
  }
}
