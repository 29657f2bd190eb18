// Shared by bench/bench-worker.ts (in workerd) and the Node-side clients.

/**
 * Text frame that asks the bench EchoObject (bench/bench-worker.ts) which in-memory instance
 * answers: if the answer changes across an idle period, the object was evicted (hibernated)
 * and woken again in between. Binary frames are echoed as they are.
 */
export const ECHO_WHOAMI = "whoami";

/**
 * First byte of RelayObject frames (bench/bench-worker.ts):
 * SEND: client -> its object, [SEND, peer name length, peer name (UTF-8), body]; the body
 *   starts with a 4-byte message ID;
 * SENT: object -> client, [SENT, message ID]: the body is stored at the peer;
 * DELIVERY: object -> client, [DELIVERY, seq (u32 BE), body];
 * ACK: client -> object, [ACK, seq (u32 BE)]: the row can go.
 */
export const RelayFrame = { SEND: 1, SENT: 2, DELIVERY: 3, ACK: 4 } as const;
