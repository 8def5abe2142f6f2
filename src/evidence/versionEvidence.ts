/**
 * One clue to a libpq's version and where it came from. Evidence kinds rank
 * exact (the number compiled into the code) over pattern (a version written
 * in a path or file name) over floor (an API that first appeared in a
 * release). `lo`/`hi` bound the major release the clue allows; 9.x releases
 * count as major 9.
 */
export type EvidenceSource = 'PQlibVersion' | 'RUNPATH' | 'RPATH' | 'exported-api' | 'file-name';
export type EvidenceKind = 'exact' | 'pattern' | 'floor';

export interface VersionEvidence {
  readonly source: EvidenceSource;
  readonly kind: EvidenceKind;
  /** "9.4.26", "9.4.x", "15", ">=10", "<10". */
  readonly value: string;
  /** Lowest and highest major the clue allows (0 and Infinity when unbounded). */
  readonly lo: number;
  readonly hi: number;
  /** Where exactly it was read, e.g. the RUNPATH component or the symbol. */
  readonly detail: string;
}

/** The merged answer, as the JSON report carries it. */
export interface LibpqVersion {
  value: string | null;
  major: number | null;
  exact: boolean;
  atLeast: number | null;
  evidence: Array<{ source: EvidenceSource; value: string; detail: string }>;
  conflicts: string[];
}

const RANK: Record<EvidenceKind, number> = { exact: 0, pattern: 1, floor: 2 };

function overlaps(a: VersionEvidence, b: VersionEvidence): boolean {
  return a.lo <= b.hi && b.lo <= a.hi;
}

function describe(e: VersionEvidence): string {
  return `${e.source} says ${e.value}`;
}

/** Exact beats pattern beats floor; every disagreement is kept in `conflicts`. */
export function mergeVersionEvidence(items: readonly VersionEvidence[]): LibpqVersion {
  const sorted = [...items].sort((a, b) => RANK[a.kind] - RANK[b.kind]);
  const evidence = sorted.map(({ source, value, detail }) => ({ source, value, detail }));
  const winner = sorted.find((e) => e.kind !== 'floor') ?? sorted[0];
  if (!winner) return { value: null, major: null, exact: false, atLeast: null, evidence, conflicts: [] };

  const conflicts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      if (overlaps(a, b)) continue;
      const wins = RANK[a.kind] < RANK[b.kind] ? `${a.source} wins` : 'neither outranks the other';
      conflicts.push(`${describe(a)} but ${describe(b)} (${wins})`);
    }
  }
  const consistent = sorted.filter((e) => overlaps(e, winner));
  const lo = Math.max(...consistent.map((e) => e.lo));
  const hi = Math.min(...consistent.map((e) => e.hi));
  const precise = winner.kind === 'floor' ? null : winner;
  return {
    value: precise?.value ?? null,
    major: precise && precise.lo === precise.hi ? precise.lo : lo === hi ? lo : null,
    exact: winner.kind === 'exact',
    atLeast: lo > 0 ? lo : null,
    evidence,
    conflicts,
  };
}

/** Highest major the merged answer allows, for "is it below 10" questions. */
export function highestMajor(v: LibpqVersion, items: readonly VersionEvidence[]): number {
  if (v.major !== null) return v.major;
  const winner = [...items].sort((a, b) => RANK[a.kind] - RANK[b.kind])[0];
  if (!winner) return Infinity;
  return Math.min(...items.filter((e) => overlaps(e, winner)).map((e) => e.hi));
}
