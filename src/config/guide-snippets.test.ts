import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { GUIDE_RBAC, GUIDE_TOOL_RESTRICTIONS, underRbac } from "./guide-snippets.fixture.js";
import { parseConfigText } from "./index.js";

/** The user's guide, in shared/ beside the checkout (as for developers and CI); found from the repo root. */
function findGuide(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, "..", "shared", "reference", "security-hardening-guide.md");
    if (fs.existsSync(p)) return fs.readFileSync(p, "utf8");
    dir = path.dirname(dir);
  }
  return undefined;
}

const guide = findGuide();

test("the test fixtures are the guide's snippets, verbatim", { skip: guide === undefined ? "shared/ is not beside this checkout" : false }, () => {
  for (const snippet of [GUIDE_RBAC, GUIDE_TOOL_RESTRICTIONS]) assert.ok(guide?.includes(snippet.trimEnd()), snippet.split("\n")[0]);
});

test("underRbac nests a guide fragment where it belongs", () => {
  const { config } = parseConfigText(underRbac(GUIDE_TOOL_RESTRICTIONS), {});
  assert.deepEqual(config.rbac.roles.limited?.tools?.deny, ["bash", "write", "edit"]);
});
