/**
 * The slice of the WHATWG WebSocket the SDK needs, so it runs on browsers, Node >= 22,
 * Deno, Bun and Workers (where a socket may come from `fetch` with an Upgrade header).
 */
export interface SocketLike {
  send(data: Uint8Array | ArrayBuffer | string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
}

/** Opens a socket to `url` and resolves once it is open. */
export type SocketFactory = (url: string) => Promise<SocketLike>;

export const globalWebSocketFactory: SocketFactory = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => resolve(ws as unknown as SocketLike), { once: true });
    ws.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
  });

/** Binary message data as bytes, whatever the runtime hands over; null for text frames. */
export async function messageBytes(data: unknown): Promise<Uint8Array | null> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof Blob !== "undefined" && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  return null;
}
