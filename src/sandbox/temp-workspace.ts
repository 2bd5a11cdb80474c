/** Temp directories for tests: a workspace and, beside it, an "outside" dir on the same file system. */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TempDirs {
  /** Parent of both; removed by cleanup(). */
  base: string;
  workspace: string;
  outside: string;
  cleanup(): Promise<void>;
}

export async function makeTempDirs(prefix = "clawdbot-sbx-"): Promise<TempDirs> {
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  const workspace = path.join(base, "workspace");
  const outside = path.join(base, "outside");
  await fs.mkdir(workspace);
  await fs.mkdir(outside);
  return { base, workspace, outside, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}
