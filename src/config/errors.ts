/** One problem in a config file, always with the key path it concerns and never with a secret value. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;
  constructor(issues: ConfigIssue[], file?: string) {
    const head = file ? `invalid config ${file}` : "invalid config";
    super(`${head}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
    this.file = file;
  }
}
