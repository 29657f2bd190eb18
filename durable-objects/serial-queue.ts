/**
 * Runs tasks for one key strictly in order. WebCrypto calls are async, so without this two
 * frames of one socket could be handled concurrently and their replies sent out of nonce order.
 * Held in memory only: a Durable Object never hibernates while a task is pending.
 */
export class SerialQueue<K extends object> {
  readonly #tails = new WeakMap<K, Promise<void>>();

  run(key: K, task: () => Promise<void>): Promise<void> {
    const next = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    this.#tails.set(key, next.catch(() => undefined));
    return next;
  }
}
