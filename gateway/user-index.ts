/**
 * Which network IDs were ever enrolled, and with which provider: `user:<networkId>` ->
 * provider ID in the DIRECTORY namespace, written by enrollment once the user's object
 * holds the device. Everything that would otherwise wake a user's Durable Object for a
 * network ID someone merely named (a connect, a stanza, a bundle fetch, the media proxy's
 * sender) asks here first, so a name nobody enrolled never gets an object or storage.
 *
 * KV is eventually consistent: a location that read a key before it was written may answer
 * "unknown" for up to 60 s after enrollment (reads in the enrolling location see the write).
 * A stale "unknown" only delays a first contact; there is no stale "known", because users are
 * never removed and a network ID always belongs to the same provider.
 */

/** Positive answers only (they never go stale); bounded so a sweep of names cannot grow it. */
const MAX_CACHED = 10_000;
const known = new Map<string, string>();

const key = (networkId: string) => `user:${networkId}`;

function remember(networkId: string, providerId: string): void {
  if (known.size >= MAX_CACHED) known.delete(known.keys().next().value!);
  known.set(networkId, providerId);
}

/** The provider of an enrolled user; null for a network ID nobody enrolled. Cached in this isolate. */
export async function enrolledProvider(directory: KVNamespace, networkId: string): Promise<string | null> {
  const cached = known.get(networkId);
  if (cached !== undefined) return cached;
  const providerId = await directory.get(key(networkId));
  if (providerId !== null) remember(networkId, providerId);
  return providerId;
}

/** Records an enrolled user; writes only when the index does not already say so (KV allows one write a second per key). */
export async function recordEnrolled(directory: KVNamespace, networkId: string, providerId: string): Promise<void> {
  if ((await enrolledProvider(directory, networkId)) === providerId) return;
  await directory.put(key(networkId), providerId);
  remember(networkId, providerId);
}
