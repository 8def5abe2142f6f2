import type { ElfFacts } from '../facts/elf/elfFacts.js';
import { API_FLOOR } from './apiFloorTable.js';
import type { VersionEvidence } from './versionEvidence.js';

const FLOOR_BY_SYMBOL = new Map(API_FLOOR.map((e) => [e.symbol, e]));

/** The newest API the library exports proves it is at least that release. */
export function apiFloorEvidence(elf: ElfFacts): VersionEvidence[] {
  let best: { major: number; release: string; symbols: string[] } | undefined;
  for (const sym of elf.exports) {
    const entry = FLOOR_BY_SYMBOL.get(sym.name);
    if (!entry) continue;
    if (!best || entry.major > best.major) best = { major: entry.major, release: entry.release, symbols: [sym.name] };
    else if (entry.major === best.major) best.symbols.push(sym.name);
  }
  if (!best) return [];
  const names = best.symbols.sort();
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  return [{
    source: 'exported-api', kind: 'floor', value: `>=${best.release}`, lo: best.major, hi: Infinity,
    detail: `exports ${shown}, first exported in ${best.release}`,
  }];
}
