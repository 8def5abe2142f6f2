// Command-line tools some benchmarks compare against, and how to get them.
import { spawnSync } from 'node:child_process';

/** The Debian package that ships each tool. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = { unzip: 'unzip', readelf: 'binutils', aws: 'awscli' };

/** The tools of `tools` that are not on PATH. */
export function missingTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return tools.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { env, stdio: 'ignore' }).status !== 0);
}

/** `readelf is not installed (apt-get install binutils)`, for one or more tools. */
export function describeMissing(missing: readonly string[]): string {
  const packages = [...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? t))];
  return `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed (apt-get install ${packages.join(' ')})`;
}
