import { test } from "node:test";
import assert from "node:assert/strict";
import { isIP } from "node:net";
import fc from "fast-check";
import {
  addressKey,
  cidrContains,
  compileTrustedProxies,
  isLoopback,
  normalizeIp,
  parseCidr,
  parseIp,
} from "./ip.js";

test("normalizeIp: canonical forms", () => {
  const cases: [string, string | null][] = [
    ["1.2.3.4", "1.2.3.4"],
    [" 1.2.3.4 ", "1.2.3.4"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::FFFF:7f00:1", "127.0.0.1"],
    ["[::ffff:10.0.0.1]", "10.0.0.1"],
    ["0:0:0:0:0:ffff:0102:0304", "1.2.3.4"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::", "::"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:db8::1:0:0:0:1", "2001:db8:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["fe80::", "fe80::"],
    ["::1.2.3.4", "::102:304"],
    ["64:ff9b::192.0.2.1", "64:ff9b::c000:201"],
    // refused
    ["", null],
    ["1.2.3", null],
    ["1.2.3.4.5", null],
    ["256.1.1.1", null],
    ["010.0.0.1", null],
    ["1.2.3.4:80", null],
    ["[1.2.3.4]", null],
    ["[::1]:80", null],
    ["[::1", null],
    ["fe80::1%eth0", null],
    ["1::2::3", null],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7", null],
    ["12345::", null],
    ["gggg::", null],
    ["::ffff:1.2.3", null],
    ["1.2.3.4::", null],
    ["localhost", null],
    ["unknown", null],
    ["x".repeat(100), null],
  ];
  for (const [input, want] of cases) assert.equal(normalizeIp(input), want, JSON.stringify(input));
});

test("parseIp: zone ids refused by default, stripped on request", () => {
  const refused = parseIp("fe80::1%eth0");
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? "" : refused.message, /zone/);
  assert.equal(normalizeIp("fe80::1%eth0", { zone: "strip" }), "fe80::1");
  assert.equal(normalizeIp("fe80::1%", { zone: "strip" }), null);
  assert.equal(normalizeIp("1.2.3.4%eth0", { zone: "strip" }), null);
});

test("normalizeIp agrees with node:net isIP and is idempotent", () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (addr) => {
      const n = normalizeIp(addr);
      assert.notEqual(n, null, addr);
      assert.ok(isIP(n as string) !== 0);
      assert.equal(normalizeIp(n as string), n);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), (s) => {
      const n = normalizeIp(s);
      if (n !== null) assert.ok(isIP(n) !== 0, `${JSON.stringify(s)} -> ${n}`);
    }),
  );
});

test("parseCidr: valid entries", () => {
  const cases: [string, string][] = [
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["172.16.0.0/12", "172.16.0.0/12"],
    ["127.0.0.1", "127.0.0.1/32"],
    ["2001:db8::/32", "2001:db8::/32"],
    ["::1", "::1/128"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["::ffff:10.0.0.0/104", "10.0.0.0/8"],
    [" 192.168.1.0/24 ", "192.168.1.0/24"],
  ];
  for (const [input, want] of cases) {
    const r = parseCidr(input);
    assert.ok(r.ok, `${input}: ${r.ok ? "" : r.message}`);
    assert.equal(r.cidr.text, want);
  }
});

test("parseCidr: errors say what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["10.0.0.1/8", /host bits.*10\.0\.0\.0\/8/],
    ["10.0.0.0/33", /exceeds 32/],
    ["2001:db8::/129", /exceeds 128/],
    ["10.0.0.0/", /not a number/],
    ["10.0.0.0/08", /not a number/],
    ["10.0.0.0/x", /not a number/],
    ["10.0.0/8", /IPv4/],
    ["::ffff:10.0.0.0/8", /at least 96/],
    ["fe80::/10%eth0", /not a number/],
    ["", /empty/],
  ];
  for (const [input, re] of cases) {
    const r = parseCidr(input);
    assert.equal(r.ok, false, input);
    assert.match(r.ok ? "" : r.message, re, input);
  }
});

test("cidrContains", () => {
  const cases: [string, string, boolean][] = [
    ["10.0.0.0/8", "10.255.1.2", true],
    ["10.0.0.0/8", "11.0.0.0", false],
    ["10.0.0.0/8", "::ffff:10.1.2.3", true],
    ["172.16.0.0/12", "172.31.255.255", true],
    ["172.16.0.0/12", "172.32.0.0", false],
    ["127.0.0.1", "127.0.0.1", true],
    ["127.0.0.1", "127.0.0.2", false],
    ["0.0.0.0/0", "8.8.8.8", true],
    ["0.0.0.0/0", "::1", false],
    ["::/0", "1.2.3.4", false],
    ["::/0", "2001:db8::1", true],
    ["2001:db8::/32", "2001:db8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::1", false],
    ["fe80::/10", "fe80::1%eth0", true],
    ["10.0.0.0/8", "garbage", false],
  ];
  for (const [range, addr, want] of cases) {
    const r = parseCidr(range);
    assert.ok(r.ok);
    assert.equal(cidrContains(r.cidr, addr), want, `${range} ∋ ${addr}`);
  }
});

test("isLoopback", () => {
  const cases: [string, boolean][] = [
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:7f00:1", true],
    ["128.0.0.1", false],
    ["::2", false],
    ["0.0.0.0", false],
    ["::", false],
    ["localhost", false],
    ["", false],
  ];
  for (const [addr, want] of cases) assert.equal(isLoopback(addr), want, addr);
});

test("addressKey: IPv4 as is, IPv6 by /64", () => {
  assert.equal(addressKey("::ffff:1.2.3.4"), "1.2.3.4");
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  assert.equal(addressKey("2001:db8::1", 128), "2001:db8::1/128");
});

test("compileTrustedProxies: matcher and every error reported", () => {
  const { matcher, errors } = compileTrustedProxies([
    "127.0.0.1",
    "10.0.0.0/8",
    "localhost",
    "172.16.0.1/12",
    "2001:db8::/32",
    "300.1.1.1",
  ]);
  assert.deepEqual(
    errors.map((e) => [e.index, e.entry]),
    [
      [2, "localhost"],
      [3, "172.16.0.1/12"],
      [5, "300.1.1.1"],
    ],
  );
  assert.match(errors[0]?.message ?? "", /host names/);
  const cases: [string, boolean][] = [
    ["127.0.0.1", true],
    ["::ffff:127.0.0.1", true],
    ["127.0.0.2", false],
    ["10.9.9.9", true],
    ["172.16.0.1", false],
    ["2001:db8::5", true],
    ["[2001:db8::5]", true],
    ["2001:db9::5", false],
    ["nonsense", false],
    ["", false],
  ];
  for (const [addr, want] of cases) assert.equal(matcher(addr), want, addr);
  assert.equal(compileTrustedProxies([]).matcher("127.0.0.1"), false);
});
