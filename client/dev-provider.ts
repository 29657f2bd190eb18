import { bytesToBase64Url } from "../protocol/bytes.ts";

/**
 * A provider token from a gateway's built-in development provider (`POST /dev/provider/token`,
 * enabled only where DEV_PROVIDER_KEY is set), bound to the device's Noise key. For local
 * development, demos and tests; a real client gets its token from its own provider.
 */
export async function devProviderToken(
  gatewayUrl: string,
  user: { readonly sub: string; readonly identifier?: string; readonly deviceKey: Uint8Array },
  fetcher: typeof fetch = fetch,
): Promise<string> {
  const base = gatewayUrl.replace(/\/$/, "");
  const res = await fetcher(`${base}/dev/provider/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub: user.sub, identifier: user.identifier, deviceKey: bytesToBase64Url(user.deviceKey) }),
  });
  if (res.status === 404) throw new Error(`${base} has no development provider (it runs with DEV_PROVIDER_KEY, as \`npm start\` sets it)`);
  if (!res.ok) throw new Error(`development provider: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
