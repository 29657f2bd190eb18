import { messageBytes } from "../../client/socket.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { openSocket } from "../helpers/gateway.ts";

export type WireEvent = { readonly kind: "frame"; readonly bytes: Uint8Array } | { readonly kind: "close"; readonly code: number; readonly reason: string };

/**
 * A raw socket to the gateway whose frames and close arrive as one ordered stream of events,
 * so a test can ask "what did the gateway do next?" without a dangling waiter per question.
 */
export class Probe {
  readonly #events: WireEvent[] = [];
  #waiter: ((e: WireEvent) => void) | null = null;
  #closed: WireEvent | null = null;

  private constructor(readonly ws: WebSocket) {
    // Decoding is async: chain it so events keep arrival order.
    let chain = Promise.resolve();
    ws.addEventListener("message", (e) => {
      chain = chain.then(async () => {
        const bytes = await messageBytes(e.data);
        this.#push({ kind: "frame", bytes: bytes ?? new Uint8Array(0) });
      });
    });
    ws.addEventListener("close", (e) => {
      chain = chain.then(() => {
        this.#closed = { kind: "close", code: e.code, reason: e.reason };
        this.#push(this.#closed);
      });
    });
  }

  static async open(networkId: string): Promise<Probe> {
    return new Probe(await openSocket(`/v1/connect/${networkId}`));
  }

  /** Wraps a socket some other helper opened (its earlier frames are not seen here). */
  static wrap(ws: WebSocket): Probe {
    return new Probe(ws);
  }

  get closed(): WireEvent | null {
    return this.#closed;
  }

  #push(e: WireEvent): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter) waiter(e);
    else this.#events.push(e);
  }

  /** The next frame or the close; null if neither comes within `timeoutMs`. */
  next(timeoutMs = 5000): Promise<WireEvent | null> {
    const queued = this.#events.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(this.#closed);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        resolve(null);
      }, timeoutMs);
      this.#waiter = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
    });
  }

  send(data: Uint8Array | string): void {
    try {
      this.ws.send(data);
    } catch {
      // The gateway already closed: the close event tells the outcome.
    }
  }

  close(): void {
    try {
      this.ws.close(CloseCode.NORMAL, "fuzz case done");
    } catch {
      // Already closed.
    }
  }
}

/**
 * Close codes the gateway may answer bad input with (docs/wire.md). Never 4500 or 1011: a
 * peer's bytes must not be able to make the gateway fail.
 */
export const CLEAN_INPUT_CLOSES: ReadonlySet<number> = new Set([
  CloseCode.MALFORMED_FRAME,
  CloseCode.HANDSHAKE_FAILED,
  CloseCode.FORBIDDEN,
  CloseCode.FRAME_TOO_LARGE,
  CloseCode.DECRYPT_FAILED,
]);
