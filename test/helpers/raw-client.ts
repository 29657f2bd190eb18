import { decodeControl, encodeClientHello, type Control } from "../../protocol/messages.ts";
import { PipesInitiator, type SecureChannel } from "../../protocol/pipes/index.ts";
import { nextMessage, openSocket, type TestDevice } from "./gateway.ts";

export async function helloFor(device: TestDevice, options: { stanzaBatches?: boolean } = {}): Promise<Uint8Array> {
  return encodeClientHello({
    networkId: device.networkId,
    deviceId: device.deviceId,
    providerToken: await device.token(),
    clientVersion: "raw-test",
    stanzaBatches: options.stanzaBatches,
  });
}

export interface RawSession {
  readonly ws: WebSocket;
  readonly channel: SecureChannel;
  /** Every frame this client sent during the handshake, for replay tests. */
  readonly sent: Uint8Array[];
  /** The gateway's Ready. */
  readonly ready: Control;
}

/**
 * A hand-driven client: the handshake without the SDK's checks, so tests can capture,
 * replay and tamper with individual frames.
 */
export async function rawSession(device: TestDevice, serverStaticKey?: Uint8Array, options: { stanzaBatches?: boolean } = {}): Promise<RawSession> {
  const ws = await openSocket(`/v1/connect/${device.networkId}`);
  const sent: Uint8Array[] = [];
  const send = (frame: Uint8Array) => {
    sent.push(frame);
    ws.send(frame);
  };
  const initiator = new PipesInitiator({ staticKey: device.staticKey, serverStaticKey });
  const reply = nextMessage(ws);
  send(await initiator.begin(await helloFor(device, options)));
  await initiator.receive(await reply);
  const ready = nextMessage(ws);
  const { frame, channel } = await initiator.finish();
  if (frame) send(frame);
  const readyControl = decodeControl((await channel.open(await ready)).payload);
  await channel.open(await nextMessage(ws)); // the end-of-backlog marker (empty inbox)
  return { ws, channel, sent, ready: readyControl };
}
