import type { IncomingMessage } from "../../client/messenger.ts";
import type { GroupContent } from "../../client/groups/group-messenger.ts";
import type { GroupInfo } from "../../protocol/content.ts";
import { decodeSenderKeyMessage } from "../../client/signal/sender-keys/index.ts";
import { newDevice, randomSub } from "../helpers/gateway.ts";
import { secureOnline, type SecureUser } from "../helpers/secure.ts";
import { eventually } from "../helpers/users.ts";

/** A device running the SDK, with everything its groups handed the application. */
export interface GroupDevice extends Awaited<ReturnType<typeof secureOnline>> {
  readonly groupInbox: GroupContent[];
  readonly infos: { group: string; info: GroupInfo; by: string }[];
  readonly failures: string[];
  /** Every group skmsg delivered to this device, as (group, chain id) with the sender. */
  readonly chains: { group: string; from: string; chainId: number }[];
  /** Every group message as the gateway delivered it. */
  readonly delivered: IncomingMessage[];
}

export async function groupDevice(sub = randomSub(), options: Parameters<typeof secureOnline>[2] = {}): Promise<GroupDevice> {
  const u = await secureOnline(await newDevice(sub), undefined, options);
  const groupInbox: GroupContent[] = [];
  const infos: GroupDevice["infos"] = [];
  const failures: string[] = [];
  const chains: GroupDevice["chains"] = [];
  const delivered: IncomingMessage[] = [];
  u.secure.groups.onContent((c) => {
    groupInbox.push(c);
  });
  u.secure.groups.on("info", (i) => infos.push(i));
  u.secure.groups.on("decryptFailed", (f) => failures.push(f.reason));
  // Anyone may add these users directly: consent has its own tests (test/groups/consent.test.ts).
  await u.messenger.setPrivacy({ groups: "everyone" });
  const original = u.secure.groups.receive.bind(u.secure.groups);
  u.secure.groups.receive = async (m) => {
    delivered.push(m);
    try {
      chains.push({ group: m.group!.id, from: m.from, chainId: decodeSenderKeyMessage(Uint8Array.from(atob(m.enc.payload), (c) => c.charCodeAt(0))).chainId });
    } catch {
      // A malformed skmsg is the SDK's to refuse; the record is only for the chain ids.
    }
    return original(m);
  };
  return { ...u, groupInbox, infos, failures, chains, delivered };
}

export const groupTexts = (d: GroupDevice, group: string): string[] =>
  d.groupInbox.filter((c) => c.group === group && c.content.body.type === "text").map((c) => (c.content.body as { text: string }).text);

export function untilTexts(d: GroupDevice, group: string, count: number): Promise<string[]> {
  return eventually(async () => {
    const texts = groupTexts(d, group);
    return texts.length >= count ? texts : undefined;
  });
}

export function closeAll(...users: readonly SecureUser[]): void {
  for (const u of users) u.conn.close();
}
