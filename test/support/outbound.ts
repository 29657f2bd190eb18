// Outbound network of the workerd tests (runs in Node, inside Miniflare's outboundService).
// https://<host>/<path> goes to the provider server's virtual host /host/<host>/<path>, so
// tests can stand up media hosts under public-looking names and can see whether the gateway
// ever contacted an address it must refuse. Plain http (the provider server's JWKS and push
// routes) goes out as addressed. Redirects are returned, never followed here: workerd
// applies the caller's redirect mode itself.
export async function routeOutbound(request: Request, providerServerUrl: string): Promise<Response> {
  const url = new URL(request.url);
  const target = url.protocol === "https:" ? `${providerServerUrl}/host/${encodeURIComponent(url.host)}${url.pathname}${url.search}` : request.url;
  // Miniflare's Request comes from its own undici; rebuild it for Node's fetch.
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, redirect: "manual" };
  if (request.body) {
    init.body = request.body;
    init.duplex = "half";
  }
  return fetch(target, init);
}
