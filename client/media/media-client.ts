import { bytesToHex } from "../../protocol/bytes.ts";
import type { MediaContent } from "../../protocol/content.ts";
import { element, type XmlElement } from "../../protocol/xml/index.ts";
import { decryptChunks, decryptMedia, encryptMedia, MediaIntegrityError, sealedSpan } from "./media-cipher.ts";

/** An HTTP refusal from /v1/media or from a provider's media host, with the gateway's error code. */
export class MediaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "MediaError";
  }
}

/**
 * Stores an encrypted file at the provider's own media host and returns the https URL
 * recipients will fetch it from (through the gateway). Provider-specific, so the
 * application supplies it; without one, files go to the gateway's storage.
 */
export type ProviderUploader = (ciphertext: Uint8Array, encryptedSha256Hex: string) => Promise<string>;

/** What the application says about a file; the rest of `MediaContent` comes from encrypting it. */
export type MediaDescription = Omit<MediaContent, "url" | "mediaKey" | "fileSha256" | "encryptedSha256" | "size">;

export interface MediaClientOptions {
  /** The gateway's HTTP base URL, as given to ParleyConnection. */
  readonly gatewayUrl: string;
  /** Where media tokens come from: the device's authenticated session (a Messenger). */
  readonly session: { iq(type: "get" | "set", query: XmlElement): Promise<XmlElement> };
  readonly fetch?: typeof fetch;
}

/** Refresh a token this long before it expires, so a slow transfer does not start on a dying one. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Media for an application: encrypts and uploads a file, producing the `Media` content to
 * send in a message; downloads, verifies and decrypts a received one. The gateway only
 * ever holds ciphertext and is itself checked: the encrypted hash before decrypting, the
 * plaintext hash after.
 */
export class MediaClient {
  readonly #base: string;
  readonly #session: MediaClientOptions["session"];
  readonly #fetch: typeof fetch;
  #token: { readonly value: string; readonly expiresMs: number; readonly maxBytes: number } | undefined;

  constructor(options: MediaClientOptions) {
    this.#base = options.gatewayUrl.replace(/\/$/, "");
    this.#session = options.session;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Encrypts `file` and stores it: at the provider's host when `uploader` is given, else at the gateway. */
  async upload(file: Uint8Array, description: MediaDescription, uploader?: ProviderUploader): Promise<MediaContent> {
    const encrypted = await encryptMedia(file);
    const hash = bytesToHex(encrypted.encryptedSha256);
    // The limit covers provider-hosted files too: the proxy would refuse to fetch a larger one.
    const token = await this.token();
    if (encrypted.ciphertext.length > token.maxBytes) {
      throw new MediaError(413, "too-large", `the encrypted file has ${encrypted.ciphertext.length} bytes; the gateway takes at most ${token.maxBytes}`);
    }
    let url = "";
    if (uploader) {
      url = await uploader(encrypted.ciphertext, hash);
      if (!url.startsWith("https://")) throw new MediaError(0, "invalid-url", "a provider upload must return an https URL");
    } else {
      await this.#check(
        await this.#fetch(`${this.#base}/v1/media/${hash}`, {
          method: "PUT",
          headers: { Authorization: `Bearer ${token.value}`, "Content-Type": "application/octet-stream" },
          body: encrypted.ciphertext,
        }),
      );
    }
    const { ciphertext: _, ...secrets } = encrypted;
    return { ...description, ...secrets, url };
  }

  /** The whole file, verified and decrypted. `sender` is the network ID the message came from. */
  async download(media: MediaContent, sender: string): Promise<Uint8Array> {
    const res = await this.#get(media, sender);
    return decryptMedia(new Uint8Array(await res.arrayBuffer()), media);
  }

  /**
   * Plaintext bytes [offset, offset + length) of the file, fetching only the chunks that
   * hold them. Each chunk is authenticated; the whole-file hashes are not checked (that
   * needs the whole file), which the chunk AEAD makes unnecessary for integrity.
   */
  async downloadRange(media: MediaContent, sender: string, offset: number, length: number): Promise<Uint8Array> {
    const span = sealedSpan(offset, length, media.size);
    const res = await this.#get(media, sender, `bytes=${span.start}-${span.end - 1}`);
    if (res.status !== 206) throw new MediaIntegrityError(`expected a partial response, got HTTP ${res.status}`);
    const plain = await decryptChunks(new Uint8Array(await res.arrayBuffer()), media.mediaKey, span.firstChunk, media.size);
    return plain.slice(span.skip, span.skip + length);
  }

  /** A valid media token, from the cache or freshly requested over the session. */
  async token(): Promise<{ readonly value: string; readonly maxBytes: number }> {
    if (!this.#token || this.#token.expiresMs - TOKEN_MARGIN_MS < Date.now()) {
      const result = await this.#session.iq("get", element("media"));
      const grant = result.children.find((c) => c.name === "media");
      if (!grant?.attrs.token) throw new MediaError(0, "no-token", "the gateway did not return a media token");
      this.#token = { value: grant.attrs.token, expiresMs: Number(grant.attrs.expires), maxBytes: Number(grant.attrs.max_bytes) };
    }
    return this.#token;
  }

  async #get(media: MediaContent, sender: string, range?: string): Promise<Response> {
    const hash = bytesToHex(media.encryptedSha256);
    const query = media.url ? `?${new URLSearchParams({ src: media.url, sender })}` : "";
    const headers: Record<string, string> = { Authorization: `Bearer ${(await this.token()).value}` };
    if (range) headers.Range = range;
    return this.#check(await this.#fetch(`${this.#base}/v1/media/${hash}${query}`, { headers }));
  }

  async #check(res: Response): Promise<Response> {
    if (res.ok) return res;
    let body: { error?: string; message?: string } = {};
    try {
      body = await res.json();
    } catch {
      // Not the gateway's JSON error shape; the status says enough.
    }
    throw new MediaError(res.status, body.error ?? "http-error", body.message ?? `HTTP ${res.status}`);
  }
}
