import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { test } from "node:test";
import { bindOptionValues, parseCliArgs } from "./args.js";

// Deterministic tokens of the awkward shapes: a leading "-", "--", and one that looks like a known flag.
const DASH_TOKENS = ["-Xq3kTz0y1uVbN8m2PaLd9sWcRfEhGj4oI5nK7tY6Ue", "--Xq3kTz0y1uVbN8m2PaLd9sWcRfEhGj4oI5nK7tY6U", "--json", "-h"];

test("util.parseArgs alone refuses a value beginning with '-' (the CI flake this module exists for)", () => {
  assert.throws(
    () => parseArgs({ args: ["--token", DASH_TOKENS[0] as string], options: { token: { type: "string" } }, strict: true }),
    /ambiguous/,
  );
});

test("an option that takes a value always consumes the next argument, in both spellings", () => {
  const options = { token: { type: "string" }, url: { type: "string" }, json: { type: "boolean" }, lines: { type: "string", short: "n" } } as const;
  for (const t of DASH_TOKENS) {
    for (const args of [["--token", t, "--json"], [`--token=${t}`, "--json"]]) {
      const { values, positionals } = parseCliArgs(["list", ...args], options);
      assert.equal(values.token, t, JSON.stringify(args));
      assert.equal(values.json, true);
      assert.deepEqual(positionals, ["list"]);
    }
  }
  assert.equal(parseCliArgs(["-n", "-5"], options).values.lines, "-5");
  // Booleans never take the next argument; "--" ends options.
  assert.deepEqual(bindOptionValues(["--json", "x", "--", "--token", "y"], options), ["--json", "x", "--", "--token", "y"]);
  // A value-taking option at the very end is still a usage error.
  assert.throws(() => parseCliArgs(["--token"], options), /argument missing/);
  assert.throws(() => parseCliArgs(["--bogus", "x"], options), /Unknown option/);
});
