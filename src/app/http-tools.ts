/** `GET /tools[?agentId=ID]` with `Authorization: Bearer …`: the tool catalog the caller may use (tool-catalog.ts). */
import type http from "node:http";
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import { sendJson } from "../transport/http/respond.js";
import type { ClientInfo } from "./client.js";
import type { GatewayContext } from "./context.js";
import { toolCatalog } from "./tool-catalog.js";

const AGENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function listTools(
  ctx: GatewayContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  client: ClientInfo,
  authenticate: (req: http.IncomingMessage, res: http.ServerResponse, client: ClientInfo) => Promise<Principal | undefined>,
): Promise<void> {
  const principal = await authenticate(req, res, client);
  if (!principal) return;
  const query = (req.url ?? "").split("?")[1];
  const agentId = query === undefined ? undefined : (new URLSearchParams(query).get("agentId") ?? undefined);
  if (agentId !== undefined && !AGENT_ID.test(agentId)) throw new GatewayError("INVALID_REQUEST", "agentId: 1-64 characters of A-Z a-z 0-9 _ -");
  sendJson(res, 200, { ok: true, ...toolCatalog(ctx.runtime(), { principal }, agentId) });
}
