// A chat user's groups (docs/groups.md) on the SDK's GroupMessenger: groups called by name,
// group messages, files and membership news told in words. A group's name is local
// knowledge, the group's end-to-end encrypted info: the gateway knows groups only by ID.
import { NackError, type GroupEvents, type GroupMessenger, type GroupState, type MediaContent } from "../client/index.ts";
import type { Invitation } from "./profile.ts";
import { groupLabel, listOf, membershipNews } from "./wording.ts";

export interface GroupChatEvents {
  /** `group` is the group's label (its name once known); `from` the sender's name. */
  groupText: { readonly group: string; readonly groupId: string; readonly from: string; readonly fromId: string; readonly text: string };
  groupFile: { readonly group: string; readonly groupId: string; readonly from: string; readonly fileName: string; readonly size: number; readonly savedTo: string };
  /** A membership or name change, as one line ("alice added carol"). */
  groupNews: { readonly group: string; readonly groupId: string; readonly text: string };
  /** `code` is what `/group join` takes. */
  invited: { readonly from: string; readonly groupId: string; readonly code: string };
}

/** What the groups need of the rest of the chat session. */
export interface GroupChatDeps {
  readonly groups: GroupMessenger;
  readonly networkId: string;
  /** The profile's own map, so invitations are saved with it. */
  readonly invites: Map<string, Invitation>;
  /** A user's network ID by name (as `/to` resolves it). */
  find(name: string): Promise<string>;
  /** A sender's name, learned if need be. */
  identify(networkId: string): Promise<string>;
  emit<K extends keyof GroupChatEvents>(kind: K, value: GroupChatEvents[K]): void;
  save(): Promise<void>;
  receiveFile(media: MediaContent, from: string): Promise<{ fileName: string; size: number; savedTo: string }>;
  upload(fileName: string, bytes: Uint8Array, mimeType: string): Promise<MediaContent>;
  status(line: string): void;
}

/** Shortest ID prefix a person may type for a group: shorter would match by accident. */
const MIN_ID_PREFIX = 4;
/** How an invitation is named before the group's name is known: its ID's first characters. */
const CODE_LENGTH = 8;
const NAME = /^\S{1,64}$/;

export class GroupChat {
  /**
   * Groups this user was just added to, before their name arrived (it comes encrypted, after
   * the gateway's notice): the line waits for it, so it says which group.
   */
  readonly #welcomes = new Map<string, string>();
  /** The name last shown per group: the info event carries only the new one. */
  readonly #shownNames = new Map<string, string>();

  constructor(private readonly deps: GroupChatDeps) {
    const { groups } = deps;
    for (const g of groups.store.groups()) if (g.info) this.#shownNames.set(g.id, g.info.name);
    groups.onContent(async ({ group, from, content }) => {
      const body = content.body;
      if (body.type === "text") this.deps.emit("groupText", { ...(await this.#origin(group, from)), text: body.text });
      else if (body.type === "media") {
        const origin = await this.#origin(group, from);
        this.deps.emit("groupFile", { ...origin, ...(await this.deps.receiveFile(body.media, from)) });
      }
      await this.deps.save();
    });
    groups.on("changed", (c) => void this.#changed(c).catch((err: unknown) => deps.status(`could not show a group change: ${String(err)}`)));
    groups.on("info", (i) => void this.#renamed(i).catch((err: unknown) => deps.status(`could not show a group name: ${String(err)}`)));
    groups.on("invited", (i) => void this.#invited(i).catch((err: unknown) => deps.status(`could not keep an invitation: ${String(err)}`)));
  }

  /** The group's name if this device knows it, else the start of its ID. */
  label(id: string): string {
    return groupLabel(id, this.deps.groups.info(id)?.name);
  }

  /** The groups this user is in, as this device last knew them. */
  current(): GroupState[] {
    return this.deps.groups.store.groups().filter((g) => !g.left);
  }

  /** A group this user is in, by name (any case) or by the start of its ID; a clear error otherwise. */
  resolve(ref: string): GroupState {
    const groups = this.current();
    const named = groups.filter((g) => g.info?.name.toLowerCase() === ref.toLowerCase());
    if (named.length === 1) return named[0]!;
    if (named.length > 1) {
      const ids = named.map((g) => g.id.slice(0, CODE_LENGTH));
      throw new Error(`${named.length} groups are called ${ref} (${listOf(ids)}): name one by the start of its ID, or rename one with /group name`);
    }
    const byId = ref.length >= MIN_ID_PREFIX ? groups.filter((g) => g.id.startsWith(ref.toLowerCase())) : [];
    if (byId.length === 1) return byId[0]!;
    throw new Error(`you are in no group called ${ref}; /groups lists yours`);
  }

  /** Creates the group (`users` by name, all found before anything is created); its name goes to members encrypted. */
  async create(name: string, users: readonly string[]): Promise<{ id: string; added: string[]; invited: string[] }> {
    if (!NAME.test(name)) throw new Error("a group name is one word of at most 64 characters");
    const members = await this.#findAll(users);
    const result = await this.deps.groups.create(members, { name });
    this.#shownNames.set(result.id, name);
    await this.deps.save();
    const added = result.members.map((m) => m.user).filter((u) => u !== this.deps.networkId);
    return { id: result.id, added: await this.#names(added), invited: await this.#names(result.invited) };
  }

  /** Adds users (by name); those whose consent asks for it are invited instead: the names returned. */
  async add(group: string, users: readonly string[]): Promise<string[]> {
    const result = await this.deps.groups.add(group, await this.#findAll(users));
    await this.deps.save();
    return this.#names(result.invited);
  }

  async remove(group: string, user: string): Promise<void> {
    await this.deps.groups.remove(group, await this.deps.find(user));
    await this.deps.save();
  }

  async leave(group: string): Promise<void> {
    await this.deps.groups.leave(group);
    await this.deps.save();
  }

  async rename(group: string, name: string): Promise<void> {
    if (!NAME.test(name)) throw new Error("a group name is one word of at most 64 characters");
    const previous = this.label(group);
    await this.deps.groups.setInfo(group, { ...this.deps.groups.info(group), name });
    this.#shownNames.set(group, name);
    this.#news(group, `you renamed the group from ${previous} to ${name}`);
    await this.deps.save();
  }

  /** Accepts an invitation, named by its code (the start of the group ID); the only one if there is one. */
  async join(code: string | undefined): Promise<string> {
    // Past its 7 days the gateway refuses it: not worth offering.
    for (const [id, i] of this.deps.invites) if (i.expiresMs < Date.now()) this.deps.invites.delete(id);
    const open = [...this.deps.invites.keys()];
    const matches = code === undefined ? open : open.filter((id) => code.length >= MIN_ID_PREFIX && id.startsWith(code.toLowerCase()));
    if (matches.length !== 1) {
      if (open.length === 0) throw new Error("no invitation is waiting");
      throw new Error(`${code === undefined ? "more than one invitation is waiting" : `no invitation ${code}`}: /group join ${open.map((id) => id.slice(0, CODE_LENGTH)).join(" | ")}`);
    }
    const id = matches[0]!;
    const invitation = this.deps.invites.get(id)!;
    try {
      await this.deps.groups.join(id, invitation.invite);
    } catch (err) {
      if (!(err instanceof NackError && err.code === ("not-found" as NackError["code"]))) throw err;
      this.deps.invites.delete(id);
      await this.deps.save();
      throw new Error("that invitation has expired or is no longer valid");
    }
    this.deps.invites.delete(id);
    await this.deps.save();
    return id;
  }

  /** Every group of this user with its members, read from the gateway now. */
  async list(): Promise<{ id: string; label: string; admin: boolean; members: string[] }[]> {
    const out = [];
    for (const g of await this.deps.groups.list()) {
      const members = await this.deps.groups.members(g.id);
      const names = await Promise.all(members.filter((m) => m.user !== this.deps.networkId).map((m) => this.#nameOf(m.user)));
      out.push({ id: g.id, label: this.label(g.id), admin: g.role === "admin", members: names.sort() });
    }
    await this.deps.save();
    return out;
  }

  async send(group: string, text: string): Promise<void> {
    await this.#asMember(group, () => this.deps.groups.send(group, { type: "text", text }));
    await this.deps.save();
  }

  /** The file encrypted and stored once, its key sent to every member in one group message. */
  async sendFile(group: string, fileName: string, bytes: Uint8Array, mimeType = "application/octet-stream"): Promise<MediaContent> {
    const media = await this.deps.upload(fileName, bytes, mimeType);
    await this.#asMember(group, () => this.deps.groups.send(group, { type: "media", media }));
    await this.deps.save();
    return media;
  }

  /** The gateway's refusal to a non-member, in words. */
  async #asMember<T>(group: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      const code = err instanceof NackError ? (err.code as string) : "";
      if (code === "unknown-recipient" || code === "not-found") throw new Error(`you are no longer in ${this.label(group)}`);
      throw err;
    }
  }

  async #findAll(users: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const user of users) ids.push(await this.deps.find(user));
    return [...new Set(ids)].filter((id) => id !== this.deps.networkId);
  }

  #names(ids: readonly string[]): Promise<string[]> {
    return Promise.all(ids.map((id) => this.#nameOf(id)));
  }

  #nameOf(id: string): Promise<string> {
    return id === this.deps.networkId ? Promise.resolve("you") : this.deps.identify(id);
  }

  async #origin(group: string, from: string): Promise<{ group: string; groupId: string; from: string; fromId: string }> {
    this.#welcome(group);
    return { group: this.label(group), groupId: group, from: await this.deps.identify(from), fromId: from };
  }

  #news(group: string, text: string): void {
    this.deps.emit("groupNews", { group: this.label(group), groupId: group, text });
  }

  /** The waiting "added you" line, once the group can be named (or once it speaks, named or not). */
  #welcome(group: string): boolean {
    const text = this.#welcomes.get(group);
    if (text === undefined) return false;
    this.#welcomes.delete(group);
    this.#news(group, text);
    return true;
  }

  async #changed({ group, change, by, users }: GroupEvents["changed"]): Promise<void> {
    const self = this.deps.networkId;
    // The creator's own command says what it made (the name is set right after this notice).
    if (change === "created" && by === self) return this.deps.save();
    const text = membershipNews(change, await this.#nameOf(by), await this.#names(users));
    const welcomed = users.includes(self) && (change === "created" || change === "added" || change === "joined");
    if (welcomed && this.deps.groups.info(group) === undefined) this.#welcomes.set(group, text);
    else this.#news(group, text);
    await this.deps.save();
  }

  async #renamed({ group, info, by }: GroupEvents["info"]): Promise<void> {
    const previous = this.#shownNames.get(group);
    this.#shownNames.set(group, info.name);
    if (this.#welcome(group)) return this.deps.save();
    const who = await this.#nameOf(by);
    this.#news(group, previous === undefined ? `${who} named the group ${info.name}` : `${who} renamed the group from ${previous} to ${info.name}`);
    await this.deps.save();
  }

  async #invited({ group, from, invite, expiresMs }: GroupEvents["invited"]): Promise<void> {
    this.deps.invites.set(group, { from, invite, expiresMs });
    await this.deps.save();
    this.deps.emit("invited", { from: await this.deps.identify(from), groupId: group, code: group.slice(0, CODE_LENGTH) });
  }
}
