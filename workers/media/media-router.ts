import { Router, type IRequest } from "itty-router";
import type { Env } from "../../gateway/env.ts";
import { downloadMedia } from "./download.ts";
import { uploadMedia } from "./upload.ts";

/** /v1/media: encrypted media by content hash (docs/media.md). Every route needs a media token. */
export const mediaRouter = Router<IRequest, [Env, ExecutionContext]>({ base: "/v1/media" })
  .put("/:sha256", uploadMedia)
  .get("/:sha256", downloadMedia)
  .head("/:sha256", downloadMedia);
