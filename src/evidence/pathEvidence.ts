import type { ElfFacts } from '../facts/elf/elfFacts.js';
import { basename } from '../bundle/bundle.js';
import type { VersionEvidence } from './versionEvidence.js';

/** Version patterns that build systems leave in library search paths. */
const PATH_PATTERNS: ReadonlyArray<{ re: RegExp; what: string }> = [
  // AWS's own builds: …/PostgreSQL/PostgreSQL-9.4.x_client_only.123456.0/…
  { re: /PostgreSQL-(\d+(?:\.\d+)*(?:\.x)?)(?=[_./-]|$)/g, what: 'PostgreSQL-<version> build path' },
  // PGDG RPMs: /usr/pgsql-15/lib
  { re: /\/pgsql-(\d+(?:\.\d+)?)(?=\/|$)/g, what: 'pgsql-<major> install path' },
  // Debian/Ubuntu: /usr/lib/postgresql/15/lib
  { re: /\/postgresql\/(\d+(?:\.\d+)?)\/lib(?=\/|$)/g, what: 'postgresql/<major>/lib install path' },
];

function majorOf(version: string): number {
  return Number.parseInt(version, 10);
}

/** RUNPATH/RPATH components that name a PostgreSQL version. */
export function runpathEvidence(elf: ElfFacts): VersionEvidence[] {
  const out: VersionEvidence[] = [];
  const lists: Array<['RUNPATH' | 'RPATH', string[] | null]> = [['RUNPATH', elf.runpath], ['RPATH', elf.rpath]];
  for (const [source, list] of lists) {
    const seen = new Set<string>();
    for (const component of list ?? []) {
      for (const { re, what } of PATH_PATTERNS) {
        for (const m of component.matchAll(re)) {
          const value = m[1]!;
          const major = majorOf(value);
          if (!Number.isFinite(major) || seen.has(value)) continue;
          seen.add(value);
          out.push({ source, kind: 'pattern', value, lo: major, hi: major, detail: `${what}: ${component}` });
        }
      }
    }
  }
  return out;
}

/** libpq.so.5.N: from PostgreSQL 10 on, N is the major release. */
export function fileNameEvidence(path: string): VersionEvidence[] {
  const m = /\.so\.5\.(\d+)$/.exec(basename(path));
  if (!m) return [];
  const n = Number(m[1]);
  if (n >= 10) return [{ source: 'file-name', kind: 'pattern', value: String(n), lo: n, hi: n, detail: basename(path) }];
  return [{ source: 'file-name', kind: 'pattern', value: '<10', lo: 0, hi: 9, detail: `${basename(path)} (minor ${n} predates the major-numbered libpq.so.5.10)` }];
}
