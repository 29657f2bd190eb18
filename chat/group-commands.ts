// The terminal chat's group commands: `/group …`, `/groups`, `/g`, `/privacy`. Group
// commands act on the current conversation when it is a group; `/g <group>` makes one current.
import type { ChatSession } from "./chat-session.ts";
import { listOf } from "./wording.ts";

/** Who plain lines and `/file` go to. */
export type Conversation = { readonly kind: "peer"; readonly peer: string } | { readonly kind: "group"; readonly id: string };

export const GROUP_HELP = `  /group new <name> <user...>   start a group (its name is one word) and talk in it
  /g <group> [text]             talk in <group> (by name), or send it one line
  /group add <user...>          add people to the current group (or invite them, as their settings ask)
  /group remove <user>          remove someone from the current group
  /group name <name>            rename the current group
  /group leave                  leave the current group
  /group join [code]            accept an invitation (the code it showed)
  /groups                       your groups and who is in them
  /privacy groups everyone|contacts|nobody
                                who may add you to groups without asking (default: contacts, people you wrote to)`;

const USAGE = "usage: /group new <name> <user...> | add <user...> | remove <user> | name <name> | leave | join [code]";
const SETTINGS = ["everyone", "contacts", "nobody"] as const;

/** Runs a group command; resolves with the conversation afterwards, or null if `command` is not one of them. */
export async function groupCommand(
  chat: ChatSession,
  command: string,
  args: readonly string[],
  current: Conversation | undefined,
  print: (line: string) => void,
): Promise<{ readonly conversation: Conversation | undefined } | null> {
  const stay = { conversation: current };
  const inGroup = (): string => {
    if (current?.kind !== "group") throw new Error("this needs a group: /g <group> first, or /group new");
    return current.id;
  };
  switch (command) {
    case "/groups": {
      const groups = await chat.groups.list();
      if (groups.length === 0) print("* you are in no group; /group new <name> <user...> starts one");
      for (const g of groups) print(`* ${g.label}${g.admin ? " (admin)" : ""}: ${g.members.length === 0 ? "only you" : `you, ${g.members.join(", ")}`}`);
      return stay;
    }
    case "/g": {
      const [ref, ...words] = args;
      if (!ref) throw new Error("usage: /g <group> [text]");
      const group = chat.groups.resolve(ref);
      if (words.length > 0) await chat.groups.send(group.id, words.join(" "));
      else print(`* talking in ${chat.groups.label(group.id)}`);
      return { conversation: { kind: "group", id: group.id } };
    }
    case "/privacy": {
      const [what, setting] = args;
      const valid = SETTINGS.find((s) => s === setting);
      if (what !== "groups" || !valid) throw new Error("usage: /privacy groups everyone|contacts|nobody");
      await chat.setGroupPrivacy(valid);
      print(`* who may add you to groups: ${valid}${valid === "everyone" ? "" : "; others send an invitation"}`);
      return stay;
    }
    case "/group":
      break;
    default:
      return null;
  }
  const [sub, ...rest] = args;
  switch (sub) {
    case "new": {
      const [name, ...users] = rest;
      if (!name || users.length === 0) throw new Error("usage: /group new <name> <user...>");
      const { id, added, invited } = await chat.groups.create(name, users);
      const who = [added.length > 0 ? `${listOf(added)} ${added.length === 1 ? "is" : "are"} in` : "", invitedLine(invited)].filter(Boolean).join(", ");
      print(`* created ${chat.groups.label(id)}: ${who}; talking in ${chat.groups.label(id)}`);
      return { conversation: { kind: "group", id } };
    }
    case "add": {
      if (rest.length === 0) throw new Error("usage: /group add <user...>");
      const group = inGroup();
      const invited = await chat.groups.add(group, rest);
      if (invited.length > 0) print(`* invited ${listOf(invited)} to ${chat.groups.label(group)} (they accept with /group join)`);
      return stay;
    }
    case "remove": {
      if (rest.length !== 1) throw new Error("usage: /group remove <user>");
      await chat.groups.remove(inGroup(), rest[0]!);
      return stay;
    }
    case "name": {
      if (rest.length !== 1) throw new Error("usage: /group name <name> (one word)");
      await chat.groups.rename(inGroup(), rest[0]!);
      return stay;
    }
    case "leave": {
      await chat.groups.leave(inGroup());
      return { conversation: undefined };
    }
    case "join": {
      if (rest.length > 1) throw new Error("usage: /group join [code]");
      const id = await chat.groups.join(rest[0]);
      print(`* joined ${chat.groups.label(id)}; talking in it`);
      return { conversation: { kind: "group", id } };
    }
    default:
      throw new Error(USAGE);
  }
}

function invitedLine(invited: readonly string[]): string {
  return invited.length === 0 ? "" : `${listOf(invited)} ${invited.length === 1 ? "was" : "were"} invited (they accept with /group join)`;
}
