/**
 * POST /v1/chat/completions with the official `openai` SDK as the client: non-streaming and SSE, named
 * sessions, OpenAI's error shape with /tools/invoke's status codes, the same front door (Origin, auth).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";
import { principalOf, startAgentGateway, type AgentGateway } from "../helpers/agents.js";

let standIn: StandIn;
let g: AgentGateway;
before(async () => {
  standIn = await startModelStandIn();
  g = await startAgentGateway(standIn, {
    config: {
      rbac: {
        enabled: true,
        roles: { localonly: { permissions: ["exec"], agents: ["local"] } },
        assignments: { [principalOf("alice")]: "operator", [principalOf("bob")]: "localonly", [principalOf("viewer")]: "viewer", [principalOf("approver")]: "operator" },
      },
    },
  });
});
after(async () => {
  await g.t.close();
  await standIn.close();
});

const client = (token: string): OpenAI => new OpenAI({ baseURL: `${g.t.httpUrl}/v1`, apiKey: token, maxRetries: 0 });

describe("POST /v1/chat/completions", () => {
  test("non-streaming: one chat.completion with the agent's reply; tools ran inside the gateway", async () => {
    standIn.enqueue({ toolCalls: [{ name: "glob", args: { pattern: "*.txt" } }] }, { text: "I looked around." });
    const r = await client(g.tokens.alice).chat.completions.create({ model: "agent:main", messages: [{ role: "user", content: "look" }] });
    assert.equal(r.object, "chat.completion");
    assert.equal(r.model, "agent:main");
    assert.equal(r.choices[0]?.message.content, "I looked around.");
    assert.equal(r.choices[0]?.finish_reason, "stop");
    assert.ok((r.usage?.total_tokens ?? 0) > 0);
    const line = await g.t.waitForAudit((l) => l.type === "agent.run" && l.actor.id === principalOf("alice") && l.metadata.turns === 2);
    assert.match(String(line.metadata.sessionKey), /^agent:main:openai-http:/);
  });

  test("streaming: chunks in OpenAI's format, ending with data: [DONE]", async () => {
    standIn.enqueue({ text: "streamed to an OpenAI client" });
    const s = await client(g.tokens.alice).chat.completions.create({ model: "main", messages: [{ role: "user", content: "stream" }], stream: true });
    let text = "";
    let chunks = 0;
    let finish: string | null | undefined;
    for await (const c of s) {
      chunks++;
      text += c.choices[0]?.delta.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, "streamed to an OpenAI client");
    assert.ok(chunks > 3);
    assert.equal(finish, "stop");
    standIn.enqueue({ text: "raw" });
    const raw = await fetch(`${g.t.httpUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${g.tokens.alice}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "agent:main", stream: true, messages: [{ role: "user", content: "raw" }] }),
    });
    assert.match(raw.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.ok((await raw.text()).endsWith("data: [DONE]\n\n"));
  });

  test("the user field names a session that keeps its transcript; system messages reach the model", async () => {
    standIn.enqueue({ text: "first" }, { text: "second" });
    const c = client(g.tokens.alice);
    await c.chat.completions.create({ model: "agent:main", user: "http-session", messages: [{ role: "user", content: "one" }] });
    await c.chat.completions.create({
      model: "agent:main",
      user: "http-session",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "two" },
      ],
    });
    const body = standIn.requests.at(-1)!.body;
    assert.deepEqual(body.messages.map((m: any) => m.role), ["user", "assistant", "user"]);
    assert.match(JSON.stringify(body.system), /Answer briefly\./);
  });

  test("errors: OpenAI's shape with the status codes of /tools/invoke, and the same front door", async () => {
    await assert.rejects(client("not-a-valid-token-at-all").chat.completions.create({ model: "agent:main", messages: [{ role: "user", content: "x" }] }), (e: any) => {
      assert.equal(e.status, 401);
      assert.equal(e.error?.type, "authentication_error");
      return true;
    });
    await assert.rejects(client(g.tokens.bob).chat.completions.create({ model: "agent:main", messages: [{ role: "user", content: "x" }] }), (e: any) => {
      assert.equal(e.status, 403);
      assert.equal(e.error?.type, "permission_error");
      return true;
    });
    await g.t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === principalOf("bob") && l.metadata.agentId === "main");
    await assert.rejects(client(g.tokens.alice).chat.completions.create({ model: "agent:nope", messages: [{ role: "user", content: "x" }] }), (e: any) => e.status === 404);
    await assert.rejects(client(g.tokens.alice).chat.completions.create({ model: "agent:main", messages: [] }), (e: any) => e.status === 400 && typeof e.error?.message === "string");
    const foreign = await fetch(`${g.t.httpUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${g.tokens.alice}`, "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ model: "agent:main", messages: [{ role: "user", content: "x" }] }),
    });
    assert.equal(foreign.status, 403);
    const get = await fetch(`${g.t.httpUrl}/v1/chat/completions`, { headers: { authorization: `Bearer ${g.tokens.alice}` } });
    assert.equal(get.status, 405);
    assert.equal(((await get.json()) as any).error.code, "method_not_allowed");
  });
});
