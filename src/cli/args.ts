/**
 * The CLI's one argument parser: `util.parseArgs`, with one difference that
 * matters for secrets. An option that takes a value always consumes the next
 * argument, so `--token -abc…` works like `--token=-abc…` (a generated token
 * may begin with `-`; parseArgs alone calls that "ambiguous").
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Rewrites `--name VALUE` / `-n VALUE` into `--name=VALUE` for every option of type string. */
export function bindOptionValues(args: readonly string[], options: Options): string[] {
  const takesValue = new Set<string>();
  const shortToLong = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== "string") continue;
    takesValue.add(name);
    if (o.short) shortToLong.set(o.short, name);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      out.push(...args.slice(i));
      break;
    }
    const long = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    const short = /^-[^-]$/.test(a) ? shortToLong.get(a.slice(1)) : undefined;
    const name = long !== undefined && takesValue.has(long) ? long : short;
    if (name !== undefined && i + 1 < args.length) {
      out.push(`--${name}=${args[i + 1] as string}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** `util.parseArgs` (strict) over `bindOptionValues(args)`. */
export function parseCliArgs<O extends Options>(args: readonly string[], options: O, allowPositionals = true) {
  return parseArgs({ args: bindOptionValues(args, options), options, allowPositionals, strict: true });
}
