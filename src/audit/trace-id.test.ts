import assert from "node:assert/strict";
import { test } from "node:test";
import { isTraceId, randomTraceId, traceIdFromTraceparent } from "./trace-id.js";

test("traceparent parsing", () => {
  const ok = "4bf92f3577b34da6a3ce929d0e0e4736";
  const cases: [string | undefined, string | undefined][] = [
    [`00-${ok}-00f067aa0ba902b7-01`, ok],
    [`  00-${ok}-00f067aa0ba902b7-00 `, ok],
    [`01-${ok}-00f067aa0ba902b7-01-future`, ok], // higher versions may append fields
    [`00-${ok}-00f067aa0ba902b7-01-extra`, undefined],
    [`ff-${ok}-00f067aa0ba902b7-01`, undefined],
    [`00-${"0".repeat(32)}-00f067aa0ba902b7-01`, undefined],
    [`00-${ok}-0000000000000000-01`, undefined],
    [`00-${ok.toUpperCase()}-00f067aa0ba902b7-01`, undefined],
    [`00-${ok}-00f067aa0ba902b7`, undefined],
    [`0-${ok}-00f067aa0ba902b7-01`, undefined],
    ["", undefined],
    [undefined, undefined],
  ];
  for (const [header, want] of cases) assert.equal(traceIdFromTraceparent(header), want, String(header));
});

test("trace ids", () => {
  assert.ok(isTraceId(randomTraceId()));
  assert.equal(isTraceId("0".repeat(32)), false);
  assert.equal(isTraceId("abc"), false);
  assert.notEqual(randomTraceId(), randomTraceId());
});
