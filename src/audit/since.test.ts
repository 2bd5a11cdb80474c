import assert from "node:assert/strict";
import { test } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { parseSince } from "./since.js";

test("parseSince accepts durations and ISO times", () => {
  const now = Date.parse("2024-01-15T12:00:00.000Z");
  const cases: [string, string][] = [
    ["90s", "2024-01-15T11:58:30.000Z"],
    ["30m", "2024-01-15T11:30:00.000Z"],
    ["1h", "2024-01-15T11:00:00.000Z"],
    ["2d", "2024-01-13T12:00:00.000Z"],
    ["1w", "2024-01-08T12:00:00.000Z"],
    ["2024-01-15T10:30:00.000Z", "2024-01-15T10:30:00.000Z"],
    ["2024-01-15T10:30:00+02:00", "2024-01-15T08:30:00.000Z"],
    ["2024-01-15T10:30", "2024-01-15T10:30:00.000Z"],
    ["2024-01-15", "2024-01-15T00:00:00.000Z"],
  ];
  for (const [input, want] of cases) assert.equal(parseSince(input, now).toISOString(), want, input);
});

test("parseSince rejects junk with a clear error", () => {
  for (const bad of ["", "1", "h", "-1h", "1.5h", "1y", "yesterday", "2024-13-45T99:99", "1h; rm -rf /"]) {
    assert.throws(
      () => parseSince(bad, 0),
      (e: unknown) => isGatewayError(e) && e.code === "INVALID_REQUEST" && /duration.*ISO 8601/.test(e.message),
      bad,
    );
  }
});
