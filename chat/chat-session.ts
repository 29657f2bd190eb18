// One chat user on the reference SDK: enrolled with the gateway's built-in development
// provider, connected, end-to-end encrypted, discoverable by name, able to send files, in
// groups (group-chat.ts).
// Used by the interactive client (main.ts) and the scripted demo (demo.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  devProviderToken,
  e2ee,
  enroll,
  MediaClient,
  MemoryGroupStore,
  Messenger,
  ParleyConnection,
  SecureMessenger,
  type MediaContent,
} from "../client/index.ts";
import { Emitter } from "../client/events.ts";
import { isNetworkId } from "../protocol/identifiers.ts";
import { webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import { GroupChat, type GroupChatEvents } from "./group-chat.ts";
import { GatewayMismatchError, ProfileError, loadProfile, localUsers, profilePath, saveProfile, type Profile } from "./profile.ts";
import { retryIn, someone, waiting, whyClosed } from "./wording.ts";

/** The built-in development provider's ID (workers/dev-provider.ts); names are its identifiers. */
const DEV_PROVIDER = "dev";

export interface ChatEvents extends GroupChatEvents, Record<string, unknown> {
  /** `from` is the sender's name if the chat learned it, else `someone (user:<network ID prefix>)`. */
  text: { readonly from: string; readonly fromId: string; readonly text: string };
  file: { readonly from: string; readonly fileName: string; readonly size: number; readonly savedTo: string };
  /** The first session with the gateway is open; whatever waited there follows, never before. */
  joined: { readonly gatewayUrl: string };
  /** Connection and backlog news, in plain words. */
  status: string;
}

export interface ChatOptions {
  readonly name: string;
  readonly gatewayUrl: string;
  /** Where profiles and received files go (default .parley/chat). */
  readonly stateDir: string;
  /** Names the user means to talk to (the command line's peer): until found, someone unknown who writes is looked for among them. */
  readonly peers?: readonly string[];
}

export class ChatSession extends Emitter<ChatEvents> {
  /** Network ID -> name of every peer learned so far; the profile's own map, so it is saved with it. */
  readonly #names: Map<string, string>;
  /** Names asked for that the directory did not know yet (they had not joined). */
  readonly #unresolved = new Set<string>();
  /** Senders no source could name: not asked about again until there is a new name to try. */
  readonly #unnamed = new Set<string>();
  #lookingUp: Promise<void> | null = null;
  #saving: Promise<void> = Promise.resolve();
  #open = false;
  #joined = false;
  #closing = false;
  /** Why the last connection ended, in words: what a failed connect() reports. */
  #lastClose: string | null = null;
  /** `/group`, `/g`, `/groups`: groups by name. */
  readonly groups: GroupChat;

  private constructor(
    readonly name: string,
    readonly networkId: string,
    private readonly profile: Profile,
    private readonly path: string,
    private readonly downloads: string,
    private readonly connection: ParleyConnection,
    private readonly secure: SecureMessenger,
    private readonly media: MediaClient,
    private readonly stateDir: string,
    private readonly groupStore: MemoryGroupStore,
  ) {
    super();
    this.#names = profile.peers;
    this.groups = new GroupChat({
      groups: secure.groups,
      networkId,
      invites: profile.invites,
      find: (name) => this.find(name),
      identify: (id) => this.#identify(id),
      emit: (kind, value) => this.emit(kind, value as ChatEvents[typeof kind]),
      save: () => this.#save(),
      receiveFile: (media, from) => this.#fetchFile(media, from),
      upload: (fileName, bytes, mimeType) => this.media.upload(bytes, { kind: "document", mimeType, fileName: basename(fileName) }),
      status: (line) => this.emit("status", line),
    });
  }

  /**
   * Loads the user's device, or creates and enrolls one. Not connected yet: subscribe to
   * events first, then `connect()`, so nothing waiting in the backlog goes unseen.
   */
  static async open(options: ChatOptions): Promise<ChatSession> {
    const gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
    const path = profilePath(options.stateDir, options.name);
    let profile = await loadProfile(path);
    if (profile && profile.gatewayUrl !== gatewayUrl) throw new GatewayMismatchError(path, profile.gatewayUrl, gatewayUrl);
    if (!profile) {
      const key = await webcryptoX25519.generateKeyPair();
      const enrolled = await enroll(gatewayUrl, await devProviderToken(gatewayUrl, { sub: options.name, identifier: options.name, deviceKey: key.publicKey }));
      const store = new e2ee.MemorySignalStore(e2ee.generateIdentityKeyPair(), e2ee.generateRegistrationId());
      profile = {
        name: options.name,
        gatewayUrl,
        networkId: enrolled.networkId,
        deviceId: enrolled.deviceId,
        noisePrivateKey: await webcryptoX25519.exportPrivateKey(key),
        // Trust on first use, fine for a local demo: a real client ships the root key it pins.
        rootKey: enrolled.gateway.rootKey,
        serverStaticKey: enrolled.gateway.staticKey,
        signal: store.exportState(),
        keysPublished: false,
        peers: new Map(),
        groups: null,
        invites: new Map(),
      };
      await saveProfile(path, profile);
    }
    const staticKey = await webcryptoX25519.keyPairFromPrivate(profile.noisePrivateKey);
    const connection = new ParleyConnection({
      gatewayUrl,
      networkId: profile.networkId,
      deviceId: profile.deviceId,
      staticKey,
      rootKey: profile.rootKey,
      serverStaticKey: profile.serverStaticKey,
      providerToken: () => devProviderToken(gatewayUrl, { sub: options.name, identifier: options.name, deviceKey: staticKey.publicKey }),
    });
    const messenger = new Messenger(connection);
    const store = e2ee.MemorySignalStore.importState(profile.signal);
    const groupStore = openGroups(path, profile.groups);
    const secure = new SecureMessenger(messenger, store, { networkId: profile.networkId, deviceId: profile.deviceId }, { groupStore });
    const media = new MediaClient({ gatewayUrl, session: messenger });
    const session = new ChatSession(options.name, profile.networkId, profile, path, join(options.stateDir, `${options.name}-downloads`), connection, secure, media, options.stateDir, groupStore);
    for (const peer of options.peers ?? []) if (!isNetworkId(peer) && session.#idOf(peer) === undefined) session.#unresolved.add(peer);
    session.#wire(gatewayUrl, messenger);
    return session;
  }

  /**
   * Connects (`joined`, then the backlog), publishes keys on first use, becomes discoverable
   * by name and looks up the peers named in the options.
   */
  async connect(): Promise<void> {
    try {
      await this.connection.connect();
    } catch (err) {
      throw new Error(this.#lastClose ?? (err as Error).message);
    }
    if (!this.profile.keysPublished) {
      await this.secure.publishKeys();
      this.profile.keysPublished = true;
    }
    await this.secure.messenger.setPrivacy({ discoverable: true });
    await this.#lookUpUnresolved();
    await this.#save();
  }

  #wire(gatewayUrl: string, messenger: Messenger): void {
    this.connection.on("serverKey", (key) => {
      this.profile.serverStaticKey = key;
      void this.#save();
    });
    // Emitted before the connection reads its first stanza, so it precedes the backlog.
    this.connection.on("open", () => {
      this.#open = true;
      if (this.#joined) return this.emit("status", "reconnected");
      this.#joined = true;
      this.emit("joined", { gatewayUrl });
    });
    this.connection.on("close", ({ code, reconnectInMs }) => {
      const wasOpen = this.#open;
      this.#open = false;
      if (this.#closing) return;
      this.#lastClose = whyClosed(code, wasOpen);
      if (reconnectInMs !== null) this.emit("status", `${this.#lastClose}, ${retryIn(reconnectInMs)}`);
      // Before joining, connect() rejects with this reason; told twice it would read as two failures.
      else if (this.#joined) this.emit("status", `${this.#lastClose}; not reconnecting (run the chat again to retry)`);
    });
    messenger.on("backlogDone", ({ count }) => {
      if (count > 0) this.emit("status", waiting(count));
    });
    this.secure.onContent(async ({ from, content }) => {
      // A copy of what this user sent from another of its devices reads as "me → them".
      const who = content.sentTo && from === this.networkId ? `${this.name} → ${this.nameOf(content.sentTo)}` : await this.#identify(from);
      if (content.body.type === "text") this.emit("text", { from: who, fromId: from, text: content.body.text });
      else if (content.body.type === "media") this.emit("file", { from: who, ...(await this.#fetchFile(content.body.media, from)) });
      await this.#save();
    });
  }

  /**
   * What to call a peer: given a network ID, the name learned for it (or, last resort,
   * `someone (user:<prefix>)`); given a name, the name.
   */
  nameOf(peer: string): string {
    if (!isNetworkId(peer)) return peer;
    if (peer === this.networkId) return this.name;
    return this.#names.get(peer) ?? someone(peer);
  }

  /** A network ID as is, or a user of the development provider by name (they must have run the chat once). */
  async find(name: string): Promise<string> {
    if (isNetworkId(name)) return name;
    const known = this.#idOf(name);
    if (known !== undefined) return known;
    const id = await this.secure.messenger.lookup(DEV_PROVIDER, name);
    if (!id) {
      this.#unresolved.add(name);
      // A new name to try: whoever could not be named before may be them.
      this.#unnamed.clear();
      throw new Error(`nobody called "${name}" has joined yet`);
    }
    await this.#learn(id, name);
    return id;
  }

  #idOf(name: string): string | undefined {
    if (name === this.name) return this.networkId;
    for (const [id, known] of this.#names) if (known === name) return id;
    return undefined;
  }

  async #learn(id: string, name: string): Promise<void> {
    this.#unresolved.delete(name);
    this.#unnamed.delete(id);
    if (this.#names.get(id) === name) return;
    this.#names.set(id, name);
    await this.#save();
  }

  /**
   * The name of a sender, learned if need be. The gateway says only who wrote by network ID,
   * and its directory answers name -> ID, never the reverse: so the sources are users with a
   * profile on this machine, and the names asked for that had not joined when asked.
   */
  async #identify(from: string): Promise<string> {
    if (isNetworkId(from) && from !== this.networkId && !this.#names.has(from) && !this.#unnamed.has(from)) {
      const local = (await localUsers(this.stateDir, this.profile.gatewayUrl, this.name)).get(from);
      if (local !== undefined) await this.#learn(from, local);
      else await this.#lookUpUnresolved();
      if (!this.#names.has(from)) this.#unnamed.add(from);
    }
    return this.nameOf(from);
  }

  /** One round of lookups at a time: the backlog and connect() may both want one. */
  #lookUpUnresolved(): Promise<void> {
    this.#lookingUp ??= (async () => {
      for (const name of [...this.#unresolved]) {
        try {
          const id = await this.secure.messenger.lookup(DEV_PROVIDER, name);
          if (id) await this.#learn(id, name);
        } catch {
          // Rate-limited or offline: the name stays to try with the next stranger.
        }
      }
    })().finally(() => (this.#lookingUp = null));
    return this.#lookingUp;
  }

  async sendText(to: string, text: string): Promise<void> {
    await this.secure.send(await this.find(to), { type: "text", text });
    await this.#save();
  }

  /** Encrypts the file, stores it at the gateway, and sends its key in an encrypted message. */
  async sendFile(to: string, fileName: string, bytes: Uint8Array, mimeType = "application/octet-stream"): Promise<MediaContent> {
    const peer = await this.find(to);
    const media = await this.media.upload(bytes, { kind: "document", mimeType, fileName: basename(fileName) });
    await this.secure.send(peer, { type: "media", media });
    await this.#save();
    return media;
  }

  /**
   * Who may add this user to groups directly (docs/groups.md, Consent); the gateway's default
   * is `contacts`, people this user wrote to; anyone else sends an invitation.
   */
  async setGroupPrivacy(groups: "everyone" | "contacts" | "nobody"): Promise<void> {
    await this.secure.messenger.setPrivacy({ groups });
  }

  async #fetchFile(media: MediaContent, from: string): Promise<{ fileName: string; size: number; savedTo: string }> {
    const bytes = await this.media.download(media, from);
    await mkdir(this.downloads, { recursive: true });
    // Only the base name: a peer chooses the name, and must not choose the directory.
    const safe = basename(media.fileName || "file").replace(/[^\w.-]/g, "_") || "file";
    const savedTo = join(this.downloads, `${Date.now()}-${safe}`);
    await writeFile(savedTo, bytes);
    return { fileName: safe, size: bytes.length, savedTo };
  }

  /** Serialized, so the last state written is the latest. */
  #save(): Promise<void> {
    this.#saving = this.#saving.then(() => {
      this.profile.signal = this.secure.store.exportState();
      this.profile.groups = this.groupStore.exportState();
      return saveProfile(this.path, this.profile);
    });
    return this.#saving;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#save();
    this.connection.close();
  }
}

/** The profile's groups, or none yet (profiles written before groups have no such field). */
function openGroups(path: string, state: unknown): MemoryGroupStore {
  if (state === null || state === undefined) return new MemoryGroupStore();
  try {
    return MemoryGroupStore.importState(state);
  } catch (err) {
    throw new ProfileError(path, `${path}: "groups" is not group state (${(err as Error).message}); remove it to start over`);
  }
}
