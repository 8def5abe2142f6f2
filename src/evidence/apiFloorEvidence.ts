import semverCoerce from 'semver/functions/coerce.js';
import semverCompare from 'semver/functions/compare.js';
import type { ElfFacts } from '../facts/elf/elfFacts.js';
import { API_FLOOR } from './apiFloorTable.js';
import type { VersionEvidence } from './versionEvidence.js';

const FLOOR_BY_SYMBOL = new Map(API_FLOOR.map((e) => [e.symbol, e]));

/** "9.5" < "9.6" < "10" < "17": releases compare as versions, not as majors alone. */
function compareReleases(a: string, b: string): number {
  return semverCompare(semverCoerce(a) ?? '0.0.0', semverCoerce(b) ?? '0.0.0');
}

/** The newest API the library exports proves it is at least that release. */
export function apiFloorEvidence(elf: ElfFacts): VersionEvidence[] {
  let best: { major: number; release: string; symbols: string[] } | undefined;
  for (const sym of elf.exports) {
    const entry = FLOOR_BY_SYMBOL.get(sym.name);
    if (!entry) continue;
    const order = best ? compareReleases(entry.release, best.release) : 1;
    if (order > 0) best = { major: entry.major, release: entry.release, symbols: [sym.name] };
    else if (order === 0) best!.symbols.push(sym.name);
  }
  if (!best) return [];
  const names = best.symbols.sort();
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  return [{
    source: 'exported-api', kind: 'floor', value: `>=${best.release}`, lo: best.major, hi: Infinity,
    detail: `exports ${shown}, first exported in ${best.release}`,
  }];
}
