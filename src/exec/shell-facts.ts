/**
 * Shell features that run code the command walk does not see: arithmetic that
 * evaluates a variable's text (`x='a[$(cmd)]'; : $((x))`), variable names
 * taken from data (`read "$n"`, `printf -v "$n"`), `${x@P}`, indirect
 * expansion, assignments to variables that make a shell or program run code
 * (PS4, BASH_ENV, LD_PRELOAD …, variables.ts).
 *
 * One scan per parsed script, before its commands are walked, records what
 * the script does with variables (ShellFacts, shared by the whole analysis,
 * nested scripts included). Hazards that depend on what is assigned anywhere
 * (a read of a variable that some assignment fills with run-time text) are
 * settled at the end, when every script has been scanned: the rule is
 * flow-insensitive, so order and branches cannot hide an assignment.
 */
import { nodeType, sourceText, walk } from "./shell-ast.js";
import type { Assign, DeclClause, File, Node, ParamExp, Redirect, Stmt, Word } from "./shell-ast.js";
import { dangerousAssignment } from "./variables.js";

/** Names bash fills with text the script does not control. */
const ALWAYS_TAINTED = ["_", "REPLY", "MAPFILE", "BASH_REMATCH", "OPTARG", "BASH_COMMAND", "BASH_ARGV", "READLINE_LINE", "COMP_LINE", "COMP_WORDS", "PWD", "OLDPWD", "@", "*"];

/** What the analysed scripts do with variables (flow-insensitive). */
export interface ShellFacts {
  /** Names assigned text the script did not write as an inert literal (or filled by bash from data). */
  tainted: Set<string>;
  /** Names given the integer attribute: every assignment to them is arithmetic. */
  integer: Set<string>;
  /** Associative arrays: their subscripts are strings, not arithmetic. */
  assoc: Set<string>;
  /** Function names defined anywhere. */
  functions: Set<string>;
  /** CDPATH is assigned somewhere: `cd NAME` may go elsewhere. */
  cdpath: boolean;
  /** `shopt -s cdable_vars` somewhere: `cd NAME` may go to $NAME. */
  cdableVars: boolean;
  /** Some redirect opens a file on a file descriptor for the rest of the shell (`exec 3>f`, `exec >>f`). */
  execRedirects: boolean;
  /** Reads settled at the end: unanalyzable if any name is tainted (and the array is not associative). */
  reads: { names: string[]; array?: string; why: string; program: string }[];
}

export function newFacts(): ShellFacts {
  return { tainted: new Set(ALWAYS_TAINTED), integer: new Set(), assoc: new Set(), functions: new Set(), cdpath: false, cdableVars: false, execRedirects: false, reads: [] };
}

type Flag = (why: string, program: string) => void;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POSITIONAL = /^[0-9]+$/;
const ARITH_TEST_OPS = new Set([116, 117, 118, 119, 120, 121]);
const NAME_TEST_OPS = new Set([110, 111]);

/** Builtins that assign to the names given as operands: [options taking a value]. */
const NAME_ASSIGNERS: Readonly<Record<string, string>> = { read: "adinNptu", mapfile: "dnOsuCc", readarray: "dnOsuCc" };

/** Is the value inert: text written in the script with no `$` or backquote, or a number computed by arithmetic? */
function inertWord(word: Word | null | undefined): boolean {
  if (!word) return true;
  return word.Parts.every((p) => {
    const t = nodeType(p);
    if (t === "Lit" || t === "SglQuoted") return !/[$`]/.test((p as unknown as { Value: string }).Value);
    if (t === "DblQuoted") return inertWord(p as unknown as Word);
    if (t === "ArithmExp") return true;
    if (t === "ParamExp") return ["#", "?", "$", "!"].includes((p as ParamExp).Param?.Value ?? "");
    return false;
  });
}

export class FactScanner {
  constructor(
    private readonly facts: ShellFacts,
    private readonly flag: Flag,
  ) {}

  /** Scans a parsed script (before its words are evaluated). */
  scan(file: File, src: Buffer): void {
    walk(file, (n) => {
      switch (nodeType(n)) {
        case "Assign":
          this.assign(n as Assign, src);
          break;
        case "DeclClause":
          this.decl(n as DeclClause, src);
          break;
        case "CallExpr":
          this.call((n as unknown as { Args: Word[] }).Args, src);
          break;
        case "ForClause": {
          const loop = (n as unknown as { Loop: Node }).Loop;
          if (nodeType(loop) === "WordIter") {
            const wi = loop as unknown as { Name: { Value: string }; Items: Word[] };
            this.assigned(wi.Name.Value, wi.Items.every((w) => inertWord(w)), "for");
          }
          break;
        }
        case "FuncDecl":
          this.facts.functions.add((n as unknown as { Name: { Value: string } }).Name.Value);
          break;
        case "Stmt":
          this.stmt(n as Stmt);
          break;
        case "ArithmExp":
        case "ArithmCmd":
          this.arith((n as unknown as { X: Node }).X, src, "arithmetic");
          return false;
        case "LetClause":
          for (const e of (n as unknown as { Exprs: Node[] }).Exprs) this.arith(e, src, "let");
          return false;
        case "CStyleLoop": {
          const c = n as unknown as { Init: Node | null; Cond: Node | null; Post: Node | null };
          for (const e of [c.Init, c.Cond, c.Post]) if (e) this.arith(e, src, "for ((…))");
          return false;
        }
        case "ParamExp":
          this.param(n as ParamExp, src);
          break;
        case "BinaryTest": {
          const b = n as unknown as { Op: number; X: Node; Y: Node };
          if (ARITH_TEST_OPS.has(b.Op)) {
            this.arith(b.X, src, "[[ … -eq … ]]");
            this.arith(b.Y, src, "[[ … -eq … ]]");
          }
          break;
        }
        case "UnaryTest": {
          const u = n as unknown as { Op: number; X: Node };
          if (NAME_TEST_OPS.has(u.Op)) this.nameWord(u.X as Word, src, "[[ -v ]]");
          break;
        }
      }
      return true;
    });
  }

  /** Records an assignment to `name`; flags a dangerous variable. */
  assigned(name: string, inert: boolean, program: string, valueText: string | null = null): void {
    if (!inert) this.facts.tainted.add(name);
    if (name === "CDPATH") this.facts.cdpath = true;
    const why = dangerousAssignment(name, valueText);
    if (why !== null) this.flag(`assigns ${name}: ${why}`, program);
  }

  private assign(a: Assign, src: Buffer): void {
    const name = a.Name?.Value;
    if (name === undefined || name === "" || (a.Naked && !a.Value)) return;
    const arr = (a as unknown as { Array: { Elems: { Value: Word | null }[] } | null }).Array;
    const inert = inertWord(a.Value) && (!arr || arr.Elems.every((e) => inertWord(e.Value)));
    this.assigned(name, inert, name, a.Value ? sourceText(src, a.Value) : "");
    const index = (a as unknown as { Index: Node | null }).Index;
    if (index) this.arith(index, src, `${name}[…]=`, name);
  }

  private decl(d: DeclClause, src: Buffer): void {
    const variant = d.Variant.Value;
    let flags = "";
    for (const a of d.Args) {
      const name = a.Name?.Value;
      if (name === undefined || name === "") {
        // A naked word: an option cluster, or a name that is not static.
        const w = a.Value;
        const text = w ? sourceText(src, w) : "";
        if (w && w.Parts.length === 1 && nodeType(w.Parts[0]) === "Lit" && /^[-+]/.test(text)) flags += text.slice(1);
        else if (w) this.flag(`${variant} takes a variable name that is not static: ${text}`, variant);
        continue;
      }
      if (flags.includes("i")) this.facts.integer.add(name);
      if (flags.includes("A")) this.facts.assoc.add(name);
      if (flags.includes("n")) {
        // A nameref: assignments to `name` assign the variable its value names.
        this.facts.tainted.add(name);
        const target = a.Value ? sourceText(src, a.Value) : "";
        if (!IDENT.test(target)) this.flag(`${variant} -n refers to a name that is not static: ${target}`, variant);
        else this.assigned(target, false, variant);
      }
    }
  }

  private call(args: Word[], src: Buffer): void {
    const texts = args.map((w) => ({ w, lit: isLiteral(w), text: sourceText(src, w) }));
    let i = 0;
    while (i < texts.length && texts[i]?.lit && ["builtin", "command"].includes(texts[i]?.text ?? "")) i++;
    const head = texts[i];
    if (!head?.lit) return;
    const name = head.text;
    const rest = texts.slice(i + 1);
    const nameAt = (k: number, program: string) => {
      const t = rest[k];
      if (t) this.nameWord(t.w, src, program, "data");
    };
    if (name in NAME_ASSIGNERS) {
      const valued = NAME_ASSIGNERS[name] as string;
      if (name === "read") this.facts.tainted.add("REPLY");
      for (let k = 0; k < rest.length; k++) {
        const t = rest[k] as (typeof rest)[number];
        if (t.lit && /^-/.test(t.text)) {
          const letters = t.text.slice(1);
          const v = [...letters].findIndex((l) => valued.includes(l));
          if (name === "read" && letters[v] === "a" && v === letters.length - 1) nameAt(++k, name);
          else if (v >= 0 && v === letters.length - 1) k++;
          continue;
        }
        nameAt(k, name);
      }
    } else if (name === "printf" || name === "wait") {
      const opt = name === "printf" ? "-v" : "-p";
      rest.forEach((t, k) => {
        if (t.lit && t.text === opt) nameAt(k + 1, name);
      });
    } else if (name === "getopts") nameAt(1, name);
    else if (name === "test" || name === "[") {
      rest.forEach((t, k) => {
        if (t.lit && t.text === "-v" && rest[k + 1]) this.nameWord((rest[k + 1] as (typeof rest)[number]).w, src, `${name} -v`);
      });
    } else if (name === "shopt" && rest.some((t) => t.text === "cdable_vars") && rest.some((t) => t.text === "-s")) this.facts.cdableVars = true;
    else if (name === "let") for (const t of rest) this.letText(t.w, src);
    else if (["declare", "typeset", "local", "export", "readonly", "unset"].includes(name)) {
      let flags = "";
      for (const t of rest) {
        if (t.lit && /^[-+]/.test(t.text)) {
          flags += t.text.slice(1);
          continue;
        }
        const eq = t.lit ? t.text.indexOf("=") : literalPrefix(t.w, src).indexOf("=");
        const base = (eq > 0 ? t.text.slice(0, eq) : t.text).replace(/\[.*$/s, "");
        if (flags.includes("i")) this.facts.integer.add(base);
        if (flags.includes("A")) this.facts.assoc.add(base);
        if (flags.includes("n")) {
          this.facts.tainted.add(base);
          if (eq > 0 && !IDENT.test(t.text.slice(eq + 1))) this.flag(`${name} -n refers to a name that is not static: ${t.text.slice(eq + 1)}`, name);
          else if (eq > 0) this.assigned(t.text.slice(eq + 1), false, name);
        }
        if (eq > 0) this.nameText(t.text.slice(0, eq), name, !t.lit || /[$`]/.test(t.text.slice(eq + 1)) ? "data" : "inert", t.text.slice(eq + 1));
        else this.nameWord(t.w, src, name);
      }
    }
  }

  private stmt(s: Stmt): void {
    const cmd = s.Cmd as unknown as { Args?: Word[]; Assigns?: Assign[] } | null;
    if (!cmd || nodeType(cmd) !== "CallExpr" || s.Redirs.length === 0) return;
    const args = cmd.Args ?? [];
    const first = args[0];
    const isExec = args.length === 1 && first !== undefined && isLiteral(first) && first.Parts.length === 1 && (first.Parts[0] as unknown as { Value: string }).Value === "exec";
    if (isExec && s.Redirs.some((r: Redirect) => ![58, 59].includes(r.Op))) this.facts.execRedirects = true;
  }

  /** A word the shell reads as a variable name: must be static; a subscript is arithmetic. */
  private nameWord(w: Word, src: Buffer, program: string, assigns: "none" | "data" = "none"): void {
    if (!isLiteral(w)) {
      this.flag(`${program} takes a variable name that is not static: ${sourceText(src, w)}`, program);
      return;
    }
    this.nameText(literalText(w), program, assigns, null);
  }

  /** `assigns`: the builtin gives the name a value (inert text, or data read at run time). */
  private nameText(text: string, program: string, assigns: "none" | "inert" | "data", valueText: string | null): void {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(.*)\])?$/s.exec(text);
    if (!m) return;
    const [, base, sub] = m as unknown as [string, string, string | undefined];
    if (assigns !== "none") this.assigned(base, assigns === "inert", program, valueText);
    if (sub !== undefined) this.arithText(sub, program, base);
  }

  private letText(w: Word, src: Buffer): void {
    if (!isLiteral(w)) this.arith(w, src, "let");
    else this.arithText(literalText(w), "let");
  }

  /** Arithmetic written as text (a quoted `let` argument, a subscript in a name). */
  private arithText(text: string, program: string, array?: string): void {
    if (/[$`]/.test(text)) {
      this.flag(`${program}: arithmetic text contains an expansion, which runs when it is evaluated`, program);
      return;
    }
    const names = text.match(/(?<![0-9#A-Za-z_])[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    if (names.length > 0) this.facts.reads.push({ names, ...(array ? { array } : {}), why: `${program} evaluates the text of ${names.join(", ")} as arithmetic`, program });
  }

  /** An arithmetic expression node: every variable it reads has its text evaluated as arithmetic too. */
  private arith(expr: Node, src: Buffer, program: string, array?: string): void {
    const names: string[] = [];
    walk(expr, (n) => {
      const t = nodeType(n);
      if (t === "CmdSubst" || t === "ProcSubst") {
        this.flag(`${program} evaluates the output of a command as arithmetic, which can run commands`, program);
        return false;
      }
      if (t === "Lit" || t === "SglQuoted") {
        const text = (n as unknown as { Value: string }).Value;
        if (t === "SglQuoted" && /[$`]/.test(text)) this.flag(`${program}: arithmetic text contains an expansion, which runs when it is evaluated`, program);
        names.push(...(text.match(/(?<![0-9#A-Za-z_])[A-Za-z_][A-Za-z0-9_]*/g) ?? []));
      }
      if (t === "ParamExp") {
        const p = n as ParamExp;
        const name = p.Param?.Value ?? "";
        names.push(POSITIONAL.test(name) ? "@" : name);
        this.param(p, src);
        return false;
      }
      return true;
    });
    if (names.length > 0) this.facts.reads.push({ names, ...(array ? { array } : {}), why: `${program} evaluates the text of ${[...new Set(names)].join(", ")} as arithmetic`, program });
  }

  private param(p: ParamExp, src: Buffer): void {
    const x = p as unknown as { Excl: boolean; Names: number; Index: Word | null; Slice: { Offset: Node | null; Length: Node | null } | null; Exp: { Op: number; Word: Word | null } | null };
    const name = p.Param?.Value ?? "";
    if (x.Exp && x.Exp.Op === 84 && x.Exp.Word && sourceText(src, x.Exp.Word).startsWith("P")) {
      this.flag(`\${${name}@P} expands its value as a prompt, running its command substitutions`, name);
    }
    const wholeArray = x.Index !== null && /^[@*]$/.test(sourceText(src, x.Index));
    if (x.Excl && x.Names === 0 && !wholeArray) {
      this.facts.reads.push({ names: [POSITIONAL.test(name) ? "@" : name], why: `\${!${name}} uses the text of ${name} as a variable reference`, program: name });
    }
    if (x.Index && !wholeArray) this.arith(x.Index, src, `\${${name}[…]}`, name);
    if (x.Slice) for (const e of [x.Slice.Offset, x.Slice.Length]) if (e) this.arith(e, src, `\${${name}:…}`);
  }
}

/** Settles the deferred reads once every script has been scanned. */
export function settle(facts: ShellFacts, flag: Flag): void {
  for (const r of facts.reads) {
    if (r.array !== undefined && facts.assoc.has(r.array)) continue;
    const bad = r.names.find((n) => facts.tainted.has(n) || POSITIONAL.test(n));
    if (bad !== undefined) flag(`${r.why}; ${bad} holds text set at run time, and evaluating it can run commands`, r.program);
  }
  for (const name of facts.integer) {
    if (facts.tainted.has(name)) flag(`${name} has the integer attribute, so text assigned to it at run time is evaluated as arithmetic`, name);
  }
}

function isLiteral(w: Word): boolean {
  return w.Parts.every((p) => ["Lit", "SglQuoted"].includes(nodeType(p)) || (nodeType(p) === "DblQuoted" && (p as unknown as Word).Parts.every((q) => nodeType(q) === "Lit")));
}

function literalText(w: Word): string {
  return w.Parts.map((p) => {
    const t = nodeType(p);
    if (t === "DblQuoted") return (p as unknown as Word).Parts.map((q) => (q as unknown as { Value: string }).Value).join("");
    const v = (p as unknown as { Value: string }).Value;
    return t === "Lit" ? v.replace(/\\(.)/g, "$1") : v;
  }).join("");
}

function literalPrefix(w: Word, src: Buffer): string {
  let out = "";
  for (const p of w.Parts) {
    if (nodeType(p) !== "Lit") break;
    out += sourceText(src, p);
  }
  return out;
}
