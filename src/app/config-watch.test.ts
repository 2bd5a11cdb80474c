import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { FakeTimers } from "../../test/helpers/fake-timers.js";
import { SettleTracker, watchPoints } from "./config-watch.js";

describe("SettleTracker", () => {
  it("a writer pausing mid-file longer than the old 150 ms debounce never gets the half file applied", () => {
    const timers = new FakeTimers();
    let content = "";
    const fired: string[] = [];
    const t = new SettleTracker({ timers, settleMs: () => 500, read: () => content, onStable: (k) => fired.push(k) });
    content = "gateway: {}\n"; // first half, rbac: not written yet
    t.poke();
    timers.advance(150); // the old reload point
    timers.advance(349);
    assert.deepEqual(fired, []);
    timers.advance(1); // quiet for settleMs: first read, not yet applied
    assert.deepEqual(fired, []);
    timers.advance(300);
    content += "rbac:\n  enabled: true\n"; // the writer resumes
    t.poke();
    timers.advance(999);
    assert.deepEqual(fired, []);
    timers.advance(1);
    assert.deepEqual(fired, [content], "only the whole file, once it read the same twice");
  });

  it("content that keeps changing without events (a slow writer between polls) is not applied until it holds still", () => {
    const timers = new FakeTimers();
    let n = 0;
    const fired: string[] = [];
    const t = new SettleTracker({ timers, settleMs: () => 100, read: () => (n < 3 ? `v${++n}` : "final"), onStable: (k) => fired.push(k) });
    t.poke();
    for (let i = 0; i < 4; i++) timers.advance(100);
    assert.deepEqual(fired, []);
    timers.advance(100);
    assert.deepEqual(fired, ["final"]);
    t.close();
    t.poke();
    timers.advance(1000);
    assert.equal(fired.length, 1, "closed");
  });
});

describe("watchPoints", () => {
  it("follows a file symlink and a Kubernetes ConfigMap ..data directory link", () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "watch-points-")));
    fs.mkdirSync(path.join(root, "..2024_01"));
    fs.writeFileSync(path.join(root, "..2024_01", "config.yaml"), "x");
    fs.symlinkSync("..2024_01", path.join(root, "..data"));
    fs.symlinkSync("..data/config.yaml", path.join(root, "config.yaml"));
    const pts = watchPoints(path.join(root, "config.yaml")).map((p) => `${path.relative(root, p.dir) || "."}|${p.name}`);
    assert.deepEqual(pts.sort(), [".|..data", ".|config.yaml", "..2024_01|config.yaml"].sort());
    assert.deepEqual(watchPoints(path.join(root, "missing.yaml")).map((p) => p.name), ["missing.yaml"]);
  });
});
