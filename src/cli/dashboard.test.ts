import { test } from "node:test";
import assert from "node:assert/strict";
import { dashboardLink } from "./dashboard-cmd.js";

test("dashboardLink: the page URL for the gateway, the token only in the fragment, encoded", () => {
  assert.equal(dashboardLink("ws://127.0.0.1:18789", "-abc+/=&#x"), "http://127.0.0.1:18789/#token=-abc%2B%2F%3D%26%23x");
  assert.equal(dashboardLink("wss://gw.example/", "t"), "https://gw.example/#token=t");
  assert.equal(dashboardLink("ws://[::1]:9", undefined), "http://[::1]:9/");
  const u = new URL(dashboardLink("ws://127.0.0.1:1", "s3cret"));
  assert.equal(u.search, "", "never in the query string");
  assert.equal(new URLSearchParams(u.hash.slice(1)).get("token"), "s3cret");
});
