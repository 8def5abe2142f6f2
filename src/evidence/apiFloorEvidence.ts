import type { ElfFacts } from '../facts/elf/elfFacts.js';
import { API_FLOOR } from './apiFloorTable.js';
import type { VersionEvidence } from './versionEvidence.js';

const FLOOR_BY_SYMBOL = new Map(API_FLOOR.map((e) => [e.symbol, e]));

/**
 * "9.5" < "9.6" < "10" < "17": releases compare part by part, as numbers.
 * (semver's module builds its regular expressions at load, ~2 ms of a cold
 * start, for what is a two-part comparison of our own table's strings.)
 */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
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
