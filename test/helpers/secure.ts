import { SecureMessenger, type ReceivedContent } from "../../client/secure-messenger.ts";
import { generateIdentityKeyPair, generateRegistrationId, MemorySignalStore } from "../../client/e2ee/index.ts";
import { readServerStanza } from "../../protocol/stanzas/index.ts";
import { parseXml } from "../../protocol/xml/index.ts";
import type { TestDevice } from "./gateway.ts";
import { goOnline, type Online } from "./users.ts";

export interface SecureUser extends Online {
  readonly secure: SecureMessenger;
  readonly inbox: ReceivedContent[];
  /** Every <message> stanza as the gateway delivered it (ciphertext). */
  readonly wire: { type: string; payload: string }[];
}

export async function secureOnline(
  device: TestDevice,
  store?: MemorySignalStore,
  options: ConstructorParameters<typeof SecureMessenger>[3] = {},
): Promise<SecureUser & { store: MemorySignalStore }> {
  const online = await goOnline(device);
  const signalStore = store ?? new MemorySignalStore(generateIdentityKeyPair(), generateRegistrationId());
  const secure = new SecureMessenger(online.messenger, signalStore, { networkId: device.networkId, deviceId: device.deviceId }, options);
  const inbox: ReceivedContent[] = [];
  secure.onContent((c) => {
    inbox.push(c);
  });
  const wire: { type: string; payload: string }[] = [];
  online.conn.on("stanza", (bytes) => {
    const s = readServerStanza(parseXml(bytes));
    if (s.kind === "message") wire.push({ type: s.enc.type, payload: s.enc.payload });
  });
  if (!store) await secure.publishKeys();
  return { ...online, secure, inbox, wire, store: signalStore };
}

