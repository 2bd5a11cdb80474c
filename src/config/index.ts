export { configSchema, DEFAULT_BLOCKLIST, isSecretPath, type Config, type ConfigInput } from "./schema.js";
export { ConfigError, type ConfigIssue } from "./errors.js";
export { loadConfigFile, parseConfigText, isLoopbackBind, deepFreeze, type LoadedConfig } from "./load.js";
export { resolvePaths, auditPathFor, credentialsDirFor, workspaceFor, type ResolvedPaths } from "./paths.js";
export { redactConfig, REDACTED } from "./redact.js";
export { changedPaths } from "./diff.js";
export { formatKeyPath } from "./key-path.js";
export { substituteEnv, substituteString } from "./env-substitution.js";
export { readConfigString, type SingleKey } from "./single-key.js";
