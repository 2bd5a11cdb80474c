import assert from "node:assert/strict";
import { test } from "node:test";
import { formatPrettyLine } from "./log-pretty.js";

const line = (rec: Record<string, unknown>): string => `${JSON.stringify({ level: "info", time: "2026-01-02T03:04:05.678Z", pid: 7, ...rec })}\n`;

test("pretty: TIME LEVEL MESSAGE, then the fields as key=value (event, pid left out)", () => {
  assert.equal(formatPrettyLine(line({ msg: "gateway stopped", event: "gateway.stop" })), "2026-01-02T03:04:05.678Z info gateway stopped\n");
  assert.equal(
    formatPrettyLine(line({ msg: "config reloaded", event: "config.reload", applied: true, changed: ["gateway.port", "tools.policy"], n: 2 })),
    '2026-01-02T03:04:05.678Z info config reloaded applied=true changed=["gateway.port","tools.policy"] n=2\n',
  );
});

test("pretty: a string the message already states is not repeated", () => {
  const out = formatPrettyLine(line({ msg: "listening on http://127.0.0.1:1 (auth: token)", url: "http://127.0.0.1:1", auth: "token", port: 1 }));
  assert.equal(out, "2026-01-02T03:04:05.678Z info listening on http://127.0.0.1:1 (auth: token) port=1\n");
});

test("pretty: field values from anywhere cannot drive the terminal, and still read back as JSON", () => {
  const nasty = "ok\r\x1b[2K\u202efake\nline \\u001b";
  const out = formatPrettyLine(line({ msg: "m", client: nasty, [`k\x1b[31m`]: 1, nested: { why: "\u2066x\x9b" } }));
  // eslint-disable-next-line no-control-regex -- checking that no control character survives
  assert.doesNotMatch(out.slice(0, -1), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  assert.equal(out.split("\n").length, 2, "one line");
  const client = /client=("(?:[^"\\]|\\.)*")/.exec(out)?.[1];
  assert.equal(JSON.parse(client as string), nasty);
  assert.match(out, /nested=\{"why":"\\u2066x\\u009b"\}/);
  assert.match(out, /"k\\u001b\[31m"=1/);
});

test("pretty: plain words are unquoted; spaces, quotes and = are quoted", () => {
  const out = formatPrettyLine(line({ msg: "m", a: "/var/lib/x.yaml", b: "two words", c: 'q"', d: "k=v", e: "" }));
  assert.equal(out, '2026-01-02T03:04:05.678Z info m a=/var/lib/x.yaml b="two words" c="q\\"" d="k=v" e=""\n');
});

test("pretty: a line that is not JSON passes through escaped", () => {
  assert.equal(formatPrettyLine("not json \x1b[2K\n"), "not json \\u001b[2K\n");
});
