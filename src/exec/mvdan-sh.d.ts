/** mvdan-sh ships no types; the typed facade over what we use lives in shell-ast.ts. */
declare module "mvdan-sh" {
  const sh: { syntax: Record<string, unknown> };
  export default sh;
}
