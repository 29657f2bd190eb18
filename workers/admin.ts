import { AutoRouter, json, type IRequest } from "itty-router";
import type { Env } from "../gateway/env.ts";
import { JwksStore, type JwksState } from "../gateway/providers/jwks-store.ts";
import { newProvider, patchProvider, redactProvider, ValidationError, type Provider } from "../gateway/providers/provider.ts";
import { ProviderRegistry } from "../gateway/providers/registry.ts";
import { timingSafeEqual, utf8 } from "../protocol/bytes.ts";
import { fail, HttpError, noRoute, readJson } from "./http.ts";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

/** Bearer check in constant time: both sides are hashed first so not even the length leaks. */
async function requireAdmin(request: IRequest, env: Env): Promise<Response | undefined> {
  if (!env.ADMIN_TOKEN) return fail(503, "misconfigured", "ADMIN_TOKEN is not set");
  const header = request.headers.get("Authorization") ?? "";
  // RFC 7235 §2.1: the scheme name is case-insensitive, and one or more spaces follow it.
  const presented = /^bearer +(.+)$/i.exec(header)?.[1] ?? "";
  const ok = timingSafeEqual(await digest(presented), await digest(env.ADMIN_TOKEN));
  return ok ? undefined : fail(401, "unauthorized", "admin bearer token required");
}

function jwksSummary(state: JwksState) {
  return { kids: state.keys?.map((k) => k.kid) ?? [], fetchedAtMs: state.fetchedAtMs, ...state.health };
}

function view(provider: Provider, jwks: JwksState) {
  return { ...redactProvider(provider), jwks: jwksSummary(jwks) };
}

const policy = (env: Env) => ({ allowHttp: env.ALLOW_HTTP_JWKS === "true" });

async function load(registry: ProviderRegistry, id: string): Promise<Provider> {
  const provider = await registry.get(id);
  if (!provider) throw new HttpError(404, "unknown-provider", `no provider ${id}`);
  return provider;
}

async function setStatus(req: IRequest, env: Env, next: Provider["status"]): Promise<Response> {
  const registry = new ProviderRegistry(env.PROVIDERS);
  const current = await load(registry, req.params.id!);
  const updated = { ...current, status: next, updatedAtMs: Date.now() };
  await registry.put(updated, current);
  return json(view(updated, await new JwksStore(env.PROVIDERS).get(updated.id)));
}

/** /v1/admin: the operator's provider registry. */
export const adminRouter = AutoRouter<IRequest, [Env, ExecutionContext]>({
  base: "/v1/admin",
  before: [requireAdmin],
  catch: (err) => {
    if (err instanceof ValidationError) return fail(400, "invalid-field", err.message, { field: err.field });
    if (err instanceof HttpError) return fail(err.status, err.code, err.message, {}, err.headers);
    throw err;
  },
});

adminRouter
  .get("/providers", async (_req, env) => {
    const store = new JwksStore(env.PROVIDERS);
    const providers = await new ProviderRegistry(env.PROVIDERS).list();
    return json({ providers: await Promise.all(providers.map(async (p) => view(p, await store.get(p.id)))) });
  })
  .post("/providers", async (req, env) => {
    const now = Date.now();
    const provider = newProvider(await readJson(req), { audience: env.GATEWAY_AUDIENCE }, policy(env), now);
    const registry = new ProviderRegistry(env.PROVIDERS);
    if (await registry.get(provider.id)) throw new HttpError(409, "provider-exists", `provider ${provider.id} already exists`);
    if (await registry.byIssuer(provider.issuer)) throw new HttpError(409, "issuer-taken", "another provider has this issuer");
    await registry.put(provider, null);
    // Fetch keys right away so the response already says whether the JWKS URI works.
    const jwks = await new JwksStore(env.PROVIDERS).refresh(provider, now);
    return json(view(provider, jwks), { status: 201 });
  })
  .get("/providers/:id", async (req, env) => {
    const provider = await load(new ProviderRegistry(env.PROVIDERS), req.params.id!);
    return json(view(provider, await new JwksStore(env.PROVIDERS).get(provider.id)));
  })
  .patch("/providers/:id", async (req, env) => {
    const registry = new ProviderRegistry(env.PROVIDERS);
    const current = await load(registry, req.params.id!);
    const now = Date.now();
    const updated = patchProvider(current, await readJson(req), policy(env), now);
    if (updated.issuer !== current.issuer && (await registry.byIssuer(updated.issuer))) {
      throw new HttpError(409, "issuer-taken", "another provider has this issuer");
    }
    await registry.put(updated, current);
    const store = new JwksStore(env.PROVIDERS);
    const jwks = updated.jwksUri !== current.jwksUri ? await store.refresh(updated, now) : await store.get(updated.id);
    return json(view(updated, jwks));
  })
  .post("/providers/:id/suspend", (req, env) => setStatus(req, env, "suspended"))
  .post("/providers/:id/activate", (req, env) => setStatus(req, env, "active"))
  .post("/providers/:id/jwks/refresh", async (req, env) => {
    const provider = await load(new ProviderRegistry(env.PROVIDERS), req.params.id!);
    return json(jwksSummary(await new JwksStore(env.PROVIDERS).refresh(provider, Date.now())));
  })
  .all("*", noRoute);
