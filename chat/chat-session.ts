// One chat user on the reference SDK: enrolled with the gateway's built-in development
// provider, connected, end-to-end encrypted, discoverable by name, able to send files.
// Used by the interactive client (main.ts) and the scripted demo (demo.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  devProviderToken,
  e2ee,
  enroll,
  MediaClient,
  Messenger,
  ParleyConnection,
  SecureMessenger,
  type MediaContent,
} from "../client/index.ts";
import { Emitter } from "../client/events.ts";
import { isNetworkId } from "../protocol/identifiers.ts";
import { webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import { loadProfile, profilePath, saveProfile, type Profile } from "./profile.ts";

/** The built-in development provider's ID (workers/dev-provider.ts); names are its identifiers. */
const DEV_PROVIDER = "dev";

export interface ChatEvents extends Record<string, unknown> {
  /** `from` is the sender's name if known, else a short form of `fromId` (their network ID). */
  text: { readonly from: string; readonly fromId: string; readonly text: string };
  file: { readonly from: string; readonly fileName: string; readonly size: number; readonly savedTo: string };
  status: string;
}

export interface ChatOptions {
  readonly name: string;
  readonly gatewayUrl: string;
  /** Where profiles and received files go (default .parley/chat). */
  readonly stateDir: string;
}

export class ChatSession extends Emitter<ChatEvents> {
  /** Network ID -> name, for every peer found by name (and this user). */
  readonly #names = new Map<string, string>();
  #saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly name: string,
    readonly networkId: string,
    private readonly profile: Profile,
    private readonly path: string,
    private readonly downloads: string,
    private readonly connection: ParleyConnection,
    private readonly secure: SecureMessenger,
    private readonly media: MediaClient,
  ) {
    super();
    this.#names.set(networkId, name);
  }

  /**
   * Loads the user's device, or creates and enrolls one. Not connected yet: subscribe to
   * events first, then `connect()`, so nothing waiting in the backlog goes unseen.
   */
  static async open(options: ChatOptions): Promise<ChatSession> {
    const gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
    const path = profilePath(options.stateDir, options.name);
    let profile = await loadProfile(path);
    if (profile && profile.gatewayUrl !== gatewayUrl) throw new Error(`${path} belongs to ${profile.gatewayUrl}; delete it or use that gateway`);
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
    const secure = new SecureMessenger(messenger, store, { networkId: profile.networkId, deviceId: profile.deviceId });
    const media = new MediaClient({ gatewayUrl, session: messenger });
    const session = new ChatSession(options.name, profile.networkId, profile, path, join(options.stateDir, `${options.name}-downloads`), connection, secure, media);
    session.#wire(messenger);
    return session;
  }

  /** Connects (the backlog follows), publishes keys on first use and becomes discoverable by name. */
  async connect(): Promise<void> {
    await this.connection.connect();
    if (!this.profile.keysPublished) {
      await this.secure.publishKeys();
      this.profile.keysPublished = true;
    }
    await this.secure.messenger.setPrivacy({ discoverable: true });
    await this.#save();
  }

  #wire(messenger: Messenger): void {
    this.connection.on("serverKey", (key) => {
      this.profile.serverStaticKey = key;
      void this.#save();
    });
    this.connection.on("close", ({ code, reconnectInMs }) => {
      if (reconnectInMs !== null) this.emit("status", `connection closed (${code}); reconnecting in ${Math.round(reconnectInMs)} ms`);
    });
    messenger.on("backlogDone", ({ count }) => {
      if (count > 0) this.emit("status", `${count} stanza(s) were waiting while you were away`);
    });
    this.secure.onContent(async ({ from, content }) => {
      const who = this.nameOf(from);
      if (content.body.type === "text") this.emit("text", { from: who, fromId: from, text: content.body.text });
      else if (content.body.type === "media") await this.#receiveFile(who, from, content.body.media);
      await this.#save();
    });
  }

  /** A known peer's name, or a short form of the network ID. */
  nameOf(networkId: string): string {
    return this.#names.get(networkId) ?? `user:${networkId.slice(0, 8)}`;
  }

  /** A network ID as is, or a user of the development provider by name (they must have run the chat once). */
  async find(name: string): Promise<string> {
    if (isNetworkId(name)) return name;
    for (const [id, known] of this.#names) if (known === name) return id;
    const id = await this.secure.messenger.lookup(DEV_PROVIDER, name);
    if (!id) throw new Error(`nobody called "${name}" has joined yet`);
    this.#names.set(id, name);
    return id;
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

  async #receiveFile(who: string, from: string, media: MediaContent): Promise<void> {
    const bytes = await this.media.download(media, from);
    await mkdir(this.downloads, { recursive: true });
    // Only the base name: a peer chooses the name, and must not choose the directory.
    const safe = basename(media.fileName || "file").replace(/[^\w.-]/g, "_") || "file";
    const savedTo = join(this.downloads, `${Date.now()}-${safe}`);
    await writeFile(savedTo, bytes);
    this.emit("file", { from: who, fileName: safe, size: bytes.length, savedTo });
  }

  /** Serialized, so the last state written is the latest. */
  #save(): Promise<void> {
    this.#saving = this.#saving.then(() => {
      this.profile.signal = this.secure.store.exportState();
      return saveProfile(this.path, this.profile);
    });
    return this.#saving;
  }

  async close(): Promise<void> {
    await this.#save();
    this.connection.close();
  }
}
