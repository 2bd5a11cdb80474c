const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends an object key to a config path: `.key` for identifiers, `["x@y"]` otherwise. */
export function keyPath(base: string, key: string): string {
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Appends an array index to a config path: `base[2]`. */
export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}
