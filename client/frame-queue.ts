import { messageBytes } from "./socket.ts";

export class SocketClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`socket closed (${code}${reason ? `: ${reason}` : ""})`);
    this.name = "SocketClosedError";
  }
}

/**
 * Turns socket message events into an ordered pull-queue, so frames are decrypted one at a
 * time in arrival order (Noise transport nonces are strictly sequential).
 */
export class FrameQueue {
  readonly #items: unknown[] = [];
  readonly #waiters: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  #closed: SocketClosedError | null = null;

  push(data: unknown): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(data);
    else this.#items.push(data);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = new SocketClosedError(code, reason);
    for (const w of this.#waiters.splice(0)) w.reject(this.#closed);
  }

  /** Next binary frame; rejects on close, on a text frame, or after `timeoutMs`. */
  async next(timeoutMs?: number): Promise<Uint8Array> {
    let data: unknown;
    if (this.#items.length > 0) data = this.#items.shift();
    else if (this.#closed) throw this.#closed;
    else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      data = await new Promise<unknown>((resolve, reject) => {
        const waiter = { resolve, reject };
        this.#waiters.push(waiter);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            const i = this.#waiters.indexOf(waiter);
            if (i >= 0) {
              this.#waiters.splice(i, 1);
              reject(new Error(`no frame within ${timeoutMs} ms`));
            }
          }, timeoutMs);
        }
      }).finally(() => {
        // A pending timer would keep a Node process alive for its full length.
        if (timer !== undefined) clearTimeout(timer);
      });
    }
    const bytes = await messageBytes(data);
    if (!bytes) throw new Error("gateway sent a text frame");
    return bytes;
  }
}
