import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { forwardedWithoutClientAddress, hasForwardingHeader, isLocalRequest, resolveClientAddress, UNKNOWN_CLIENT } from "./client-address.js";
import type { ClientAddress } from "./client-address.js";
import { compileTrustedProxies, normalizeIp } from "./ip.js";

const { matcher: isTrusted } = compileTrustedProxies(["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"]);

type Case = [string, string | undefined, string | string[] | undefined, ClientAddress];

test("resolveClientAddress: table", () => {
  const cases: Case[] = [
    ["untrusted peer, no header", "203.0.113.9", undefined, { ip: "203.0.113.9", proxied: false, via: [] }],
    ["untrusted peer, header ignored", "203.0.113.9", "1.1.1.1", { ip: "203.0.113.9", proxied: false, via: [] }],
    ["untrusted mapped peer", "::ffff:203.0.113.9", "1.1.1.1", { ip: "203.0.113.9", proxied: false, via: [] }],
    ["no peer", undefined, "1.1.1.1", { ip: UNKNOWN_CLIENT, proxied: false, via: [] }],
    ["garbage peer", "not-an-ip", "1.1.1.1", { ip: UNKNOWN_CLIENT, proxied: false, via: [] }],
    ["trusted peer, no header", "127.0.0.1", undefined, { ip: "127.0.0.1", proxied: false, via: [] }],
    ["trusted peer, empty header", "127.0.0.1", "  ", { ip: "127.0.0.1", proxied: false, via: [] }],
    ["one proxy", "127.0.0.1", "198.51.100.7", { ip: "198.51.100.7", proxied: true, via: ["127.0.0.1"] }],
    [
      "client prefix is ignored",
      "127.0.0.1",
      "6.6.6.6, 198.51.100.7",
      { ip: "198.51.100.7", proxied: true, via: ["127.0.0.1"] },
    ],
    [
      "chain of trusted proxies",
      "127.0.0.1",
      "1.2.3.4, 198.51.100.7, 10.0.0.2, 10.0.0.3",
      { ip: "198.51.100.7", proxied: true, via: ["127.0.0.1", "10.0.0.3", "10.0.0.2"] },
    ],
    [
      "several header instances are joined",
      "127.0.0.1",
      ["1.2.3.4", "198.51.100.7, 10.0.0.2"],
      { ip: "198.51.100.7", proxied: true, via: ["127.0.0.1", "10.0.0.2"] },
    ],
    [
      "all hops trusted: left-most is the client",
      "127.0.0.1",
      "10.0.0.5, 10.0.0.2",
      { ip: "10.0.0.5", proxied: true, via: ["127.0.0.1", "10.0.0.2"] },
    ],
    [
      "malformed hop stops the walk at the last trusted hop",
      "127.0.0.1",
      "198.51.100.7, garbage, 10.0.0.2",
      { ip: "10.0.0.2", proxied: true, via: ["127.0.0.1", "10.0.0.2"] },
    ],
    ["malformed only entry", "127.0.0.1", "garbage", { ip: "127.0.0.1", proxied: true, via: ["127.0.0.1"] }],
    ["empty entry is malformed", "127.0.0.1", "1.2.3.4,", { ip: "127.0.0.1", proxied: true, via: ["127.0.0.1"] }],
    ["port is malformed", "127.0.0.1", "1.2.3.4:5555", { ip: "127.0.0.1", proxied: true, via: ["127.0.0.1"] }],
    ["zone id is malformed", "127.0.0.1", "fe80::1%eth0", { ip: "127.0.0.1", proxied: true, via: ["127.0.0.1"] }],
    [
      "IPv6 client through IPv6 proxy",
      "2001:db8::10",
      "[2001:DB8:FFFF::1], 2001:db8::11",
      { ip: "2001:db8:ffff::1", proxied: true, via: ["2001:db8::10", "2001:db8::11"] },
    ],
    [
      "IPv6 client normalised",
      "::ffff:127.0.0.1",
      "2001:0db9::0001",
      { ip: "2001:db9::1", proxied: true, via: ["127.0.0.1"] },
    ],
    [
      "peer with zone id is stripped",
      "fe80::1%eth0",
      "1.1.1.1",
      { ip: "fe80::1", proxied: false, via: [] },
    ],
  ];
  for (const [name, remoteAddress, forwardedFor, want] of cases) {
    assert.deepEqual(resolveClientAddress({ remoteAddress, forwardedFor, isTrusted }), want, name);
  }
});

test("resolveClientAddress: a throwing isTrusted counts as untrusted", () => {
  const r = resolveClientAddress({
    remoteAddress: "127.0.0.1",
    forwardedFor: "1.2.3.4",
    isTrusted: () => {
      throw new Error("boom");
    },
  });
  assert.deepEqual(r, { ip: "127.0.0.1", proxied: false, via: [] });
});

test("resolveClientAddress: over-long chains stop at the hop limit", () => {
  const hops = Array.from({ length: 40 }, (_, i) => `10.0.${i}.1`);
  const r = resolveClientAddress({ remoteAddress: "127.0.0.1", forwardedFor: ["9.9.9.9", ...hops].join(","), isTrusted });
  assert.equal(r.proxied, true);
  assert.equal(r.ip, "10.0.8.1");
  assert.equal(r.via.length, 33);
});

test("isLocalRequest", () => {
  const res = (remoteAddress: string, forwardedFor?: string) =>
    resolveClientAddress({ remoteAddress, forwardedFor, isTrusted });
  const onlyLoopbackTrusted = compileTrustedProxies([]).matcher;
  const cases: [string, boolean, boolean][] = [];
  const check = (name: string, got: boolean, want: boolean) => cases.push([name, got, want]);
  check("loopback, no headers", isLocalRequest(res("127.0.0.1"), "127.0.0.1", {}), true);
  check("mapped loopback", isLocalRequest(res("::ffff:127.0.0.1"), "::ffff:127.0.0.1"), true);
  check("ipv6 loopback", isLocalRequest(res("::1"), "::1", { host: "x" }), true);
  check("loopback trusted proxy with XFF", isLocalRequest(res("127.0.0.1", "1.2.3.4"), "127.0.0.1"), false);
  check("loopback trusted proxy, XFF of loopback", isLocalRequest(res("127.0.0.1", "127.0.0.1"), "127.0.0.1"), false);
  const untrustedLoopback = resolveClientAddress({
    remoteAddress: "127.0.0.1",
    forwardedFor: "1.2.3.4",
    isTrusted: onlyLoopbackTrusted,
  });
  check(
    "untrusted loopback with XFF header",
    isLocalRequest(untrustedLoopback, "127.0.0.1", { "x-forwarded-for": "1.2.3.4" }),
    false,
  );
  check(
    "loopback proxy sending only X-Forwarded-Proto",
    isLocalRequest(res("127.0.0.1"), "127.0.0.1", { "x-forwarded-proto": "https" }),
    false,
  );
  check("loopback with Forwarded", isLocalRequest(res("127.0.0.1"), "127.0.0.1", { Forwarded: "for=1.2.3.4" }), false);
  check("remote peer", isLocalRequest(res("203.0.113.1"), "203.0.113.1", {}), false);
  check("unknown peer", isLocalRequest(res("x"), undefined, {}), false);
  check("mismatched result", isLocalRequest({ ip: "127.0.0.1", proxied: false, via: [] }, "10.0.0.1"), false);
  for (const [name, got, want] of cases) assert.equal(got, want, name);
  assert.equal(hasForwardingHeader({ "x-real-ip": undefined }), false);
});

// ---- properties ----

const untrustedV4 = fc.ipV4().filter((a) => !isTrusted(a));
const untrustedV6 = fc.ipV6().filter((a) => normalizeIp(a) !== null && !isTrusted(a));
const untrusted = fc.oneof(untrustedV4, untrustedV6);
const trustedHop = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`),
  fc.constant("127.0.0.1"),
  fc.nat(0xffff).map((n) => `2001:db8::${n.toString(16)}`),
  fc.nat(255).map((n) => `::ffff:10.0.0.${n}`),
);
const clientEntry = fc.oneof(fc.string({ maxLength: 30 }), fc.ipV4(), fc.ipV6(), trustedHop, fc.constant(""));

test("property: a client-controlled XFF prefix never changes the resolved address", () => {
  fc.assert(
    fc.property(
      fc.array(clientEntry, { maxLength: 8 }),
      untrusted,
      fc.array(trustedHop, { maxLength: 5 }),
      trustedHop,
      fc.boolean(),
      (prefix, client, proxies, direct, splitHeaders) => {
        const added = [client, ...proxies];
        const baseline = resolveClientAddress({ remoteAddress: direct, forwardedFor: added.join(", "), isTrusted });
        const forwardedFor = splitHeaders ? [prefix.join(","), added.join(", ")] : [...prefix, ...added].join(",");
        const got = resolveClientAddress({ remoteAddress: direct, forwardedFor, isTrusted });
        assert.deepEqual(got, baseline);
        assert.equal(got.ip, normalizeIp(client));
        assert.equal(got.proxied, true);
      },
    ),
    { numRuns: 500 },
  );
});

test("property: an untrusted direct peer always resolves to itself", () => {
  fc.assert(
    fc.property(
      untrusted,
      fc.oneof(fc.constant(undefined), fc.string(), fc.array(fc.string())),
      (peer, forwardedFor) => {
        const got = resolveClientAddress({ remoteAddress: peer, forwardedFor, isTrusted });
        assert.deepEqual(got, { ip: normalizeIp(peer), proxied: false, via: [] });
      },
    ),
    { numRuns: 300 },
  );
});

test("property: never throws, always yields a canonical address or unknown", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constant(undefined), fc.string(), fc.ipV4(), fc.ipV6()),
      fc.oneof(fc.constant(undefined), fc.string(), fc.array(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6()))),
      fc.func(fc.boolean()),
      (remoteAddress, forwardedFor, trust) => {
        const got = resolveClientAddress({ remoteAddress, forwardedFor, isTrusted: trust });
        assert.ok(got.ip === UNKNOWN_CLIENT || normalizeIp(got.ip) === got.ip, got.ip);
        for (const hop of got.via) assert.equal(normalizeIp(hop), hop);
        isLocalRequest(got, remoteAddress, {});
      },
    ),
    { numRuns: 500 },
  );
});

test("forwardedWithoutClientAddress: forwarded, but whom for is not said", () => {
  const cases: [Record<string, string | string[] | undefined>, boolean][] = [
    [{}, false],
    [{ host: "gw" }, false],
    [{ "x-forwarded-proto": "https" }, true], // the guide's nginx block
    [{ "x-forwarded-host": "gw.company.com" }, true],
    [{ "x-real-ip": "203.0.113.9" }, true], // a client address, but not one the gateway reads
    [{ forwarded: "proto=https;host=gw" }, true],
    [{ forwarded: "for=203.0.113.9;proto=https" }, false],
    [{ forwarded: "proto=https;For=\"[2001:db8::1]\"" }, false],
    [{ "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" }, false],
    [{ "x-forwarded-for": "" }, false],
  ];
  for (const [headers, want] of cases) assert.equal(forwardedWithoutClientAddress(headers), want, JSON.stringify(headers));
});
