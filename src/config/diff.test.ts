import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { changedPaths, parseConfigText } from "./index.js";

describe("changedPaths", () => {
  const cases: { name: string; a: unknown; b: unknown; paths: string[] }[] = [
    { name: "identical", a: { x: 1, y: { z: [1, 2] } }, b: { x: 1, y: { z: [1, 2] } }, paths: [] },
    { name: "changed leaf", a: { gateway: { port: 1 } }, b: { gateway: { port: 2 } }, paths: ["gateway.port"] },
    { name: "added and removed keys", a: { a: 1, b: 2 }, b: { b: 2, c: 3 }, paths: ["a", "c"] },
    { name: "array element", a: { l: ["a", "b"] }, b: { l: ["a", "c"] }, paths: ["l[1]"] },
    { name: "array length", a: { l: ["a"] }, b: { l: ["a", "b"] }, paths: ["l"] },
    { name: "quoted key", a: { m: { "x@y": "r1" } }, b: { m: { "x@y": "r2" } }, paths: ['m["x@y"]'] },
    { name: "object replaced by scalar", a: { a: { b: 1 } }, b: { a: 5 }, paths: ["a"] },
    { name: "NaN equals NaN", a: { n: Number.NaN }, b: { n: Number.NaN }, paths: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(changedPaths(c.a, c.b), c.paths));

  it("names the changed secret path of two configs, never the value", () => {
    const a = parseConfigText("gateway:\n  auth:\n    token: ${T}\n", { T: "first-secret-value-123" }).config;
    const b = parseConfigText("gateway:\n  auth:\n    token: ${T}\n  rateLimit:\n    maxRequests: 50\n", { T: "second-secret-value-456" }).config;
    const paths = changedPaths(a, b);
    assert.deepEqual(paths, ["gateway.auth.token", "gateway.rateLimit.maxRequests"]);
    assert.ok(!paths.join(" ").includes("secret-value"));
  });
});
