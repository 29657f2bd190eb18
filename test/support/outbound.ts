// Outbound network of the workerd tests (runs in Node, inside Miniflare's outboundService).
// https://<host>/<path> goes to the provider server's virtual host /host/<host>/<path>, so
// tests can stand up media hosts under public-looking names and can see whether the gateway
// ever contacted an address it must refuse. Redirects are returned, not followed: following
// them is the gateway's decision to make.
export async function routeOutbound(request: Request, providerServerUrl: string): Promise<Response> {
  const url = new URL(request.url);
  if (url.protocol !== "https:") return fetch(request);
  const target = `${providerServerUrl}/host/${encodeURIComponent(url.host)}${url.pathname}${url.search}`;
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, redirect: "manual" };
  if (request.body) {
    init.body = request.body;
    init.duplex = "half";
  }
  return fetch(target, init);
}
