import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Permission } from "./permissions.js";
import { PERMISSIONS, SCOPES, expandPermissions, grantScopes, holds, isPermission, isScope } from "./permissions.js";

const sorted = (s: Iterable<string>): string[] => [...s].sort();

describe("expandPermissions", () => {
  const cases: [Permission[], string[]][] = [
    [[], []],
    [["read-only"], ["read-only"]],
    [["exec"], ["exec", "read-only"]],
    [["exec.elevated"], ["exec", "exec.elevated", "read-only"]],
    [["exec.approve"], ["exec.approve"]],
    [["exec", "exec.approve"], ["exec", "exec.approve", "read-only"]],
    [["admin"], ["admin", "exec", "exec.approve", "exec.elevated", "read-only"]],
  ];
  for (const [input, expected] of cases) {
    it(`[${input.join(",")}] → [${expected.join(",")}]`, () => {
      assert.deepEqual(sorted(expandPermissions(input)), expected);
    });
  }

  it("holds() agrees with expandPermissions for every pair", () => {
    for (const granted of PERMISSIONS) {
      for (const wanted of PERMISSIONS) {
        assert.equal(holds(new Set([granted]), wanted), expandPermissions([granted]).has(wanted), `${granted} ⇒ ${wanted}`);
      }
    }
  });
});

describe("isPermission / isScope", () => {
  const cases: [unknown, boolean, boolean][] = [
    ["exec", true, false],
    ["read-only", true, false],
    ["exec.sudo", false, false],
    ["operator.read", false, true],
    ["operator.pairing", false, true],
    ["toString", false, false],
    ["__proto__", false, false],
    [42, false, false],
  ];
  for (const [value, perm, scope] of cases) {
    it(`${String(value)}`, () => {
      assert.equal(isPermission(value), perm);
      assert.equal(isScope(value), scope);
    });
  }
});

describe("grantScopes", () => {
  const cases: { name: string; requested: string[]; role: Permission[]; granted: string[]; effective: string[] }[] = [
    {
      name: "no scopes requested: the full role, every scope it covers",
      requested: [],
      role: ["exec", "exec.approve"],
      granted: ["operator.read", "operator.write", "operator.approvals"],
      effective: ["exec", "exec.approve", "read-only"],
    },
    {
      name: "admin asking for nothing gets everything",
      requested: [],
      role: ["admin"],
      granted: Object.keys(SCOPES),
      effective: [...PERMISSIONS].sort(),
    },
    {
      name: "operator.read narrows an exec role to read-only",
      requested: ["operator.read"],
      role: ["exec"],
      granted: ["operator.read"],
      effective: ["read-only"],
    },
    {
      name: "OpenClaw default scopes on the guide's devops role keep exec.elevated, not approvals",
      requested: ["operator.read", "operator.write"],
      role: ["exec", "exec.elevated", "exec.approve"],
      granted: ["operator.read", "operator.write"],
      effective: ["exec", "exec.elevated", "read-only"],
    },
    {
      name: "scopes beyond the role are dropped",
      requested: ["operator.read", "operator.write", "operator.approvals", "operator.admin", "operator.pairing"],
      role: ["read-only"],
      granted: ["operator.read"],
      effective: ["read-only"],
    },
    {
      name: "operator.admin on an admin role",
      requested: ["operator.admin"],
      role: ["admin"],
      granted: ["operator.admin"],
      effective: [...PERMISSIONS].sort(),
    },
    {
      name: "operator.pairing maps to admin",
      requested: ["operator.pairing"],
      role: ["admin"],
      granted: ["operator.pairing"],
      effective: [...PERMISSIONS].sort(),
    },
    {
      name: "operator.approvals alone: approve but not run",
      requested: ["operator.approvals"],
      role: ["exec", "exec.approve"],
      granted: ["operator.approvals"],
      effective: ["exec.approve"],
    },
    {
      name: "unknown scopes only: nothing at all",
      requested: ["node.invoke", "__proto__"],
      role: ["admin"],
      granted: [],
      effective: [],
    },
    {
      name: "duplicates are granted once",
      requested: ["operator.read", "operator.read"],
      role: ["exec"],
      granted: ["operator.read"],
      effective: ["read-only"],
    },
    {
      name: "a role with no permissions gets no scope",
      requested: [],
      role: [],
      granted: [],
      effective: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = grantScopes(c.requested, c.role);
      assert.deepEqual(g.granted, c.granted);
      assert.deepEqual(sorted(g.effective), c.effective);
    });
  }

  it("no list at all is the same as an empty list", () => {
    assert.deepEqual(grantScopes(undefined, ["exec"]), grantScopes([], ["exec"]));
    assert.deepEqual(sorted(grantScopes(undefined, ["exec"]).effective), ["exec", "read-only"]);
  });

  it("never widens: granted ⊆ requested (or the role's), effective ⊆ role", () => {
    const scopeNames = [...Object.keys(SCOPES), "operator.other", "x"];
    fc.assert(
      fc.property(
        fc.subarray([...PERMISSIONS]),
        fc.array(fc.constantFrom(...scopeNames), { maxLength: 6 }),
        (role, requested) => {
          const full = expandPermissions(role);
          const g = grantScopes(requested, role);
          for (const p of g.effective) assert.ok(full.has(p));
          for (const s of g.granted) {
            assert.ok(isScope(s));
            assert.ok(full.has(SCOPES[s].requires));
            if (requested.length > 0) assert.ok(requested.includes(s));
          }
        },
      ),
    );
  });
});
