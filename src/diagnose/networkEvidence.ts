// What the network path model adds to a diagnosis. A network cause read from the logs (a signature)
// with a blocking rule on its path becomes `confirmed` and names the rule; a network cause whose path
// passes loses confidence and the other candidates move ahead of it. Pure.
import { describeFinding, networkCheck } from '../checks/networkChecks.js';
import type { NetworkPaths, PathName } from '../facts/network/paths.js';

/** The shape of `diagnose`'s Diagnosis this step reads and writes. */
export interface NetworkAwareDiagnosis {
  cause: string;
  confidence: 'confirmed' | 'likely' | 'possible';
  summary: string;
  evidence: string[];
  remediation: string;
  candidates?: string[];
}

/** The network cause each path can prove or weaken. */
export const NETWORK_CAUSES: Readonly<Record<string, PathName>> = {
  'secretsmanager-unreachable': 'secretsmanager',
  'stalled-after-create': 'secretsmanager',
  'database-unreachable': 'database',
  'rds-api-unreachable': 'rdsApi',
};

const LOWER = { confirmed: 'likely', likely: 'possible', possible: 'possible' } as const;

export function withNetworkEvidence<D extends NetworkAwareDiagnosis>(d: D, paths: NetworkPaths | null): D {
  if (!paths) return d;
  const pathOf = (cause: string) => (NETWORK_CAUSES[cause] ? paths[NETWORK_CAUSES[cause]!] : null);
  const own = pathOf(d.cause);
  if (own) {
    const check = networkCheck(own);
    if (own.status === 'fail') {
      const rule = describeFinding(own.blocking[0]!);
      return {
        ...d,
        confidence: d.confidence === 'possible' ? 'likely' : 'confirmed',
        summary: `${d.summary} Blocked by ${rule}.`,
        evidence: [...own.blocking.map((f) => `network: ${describeFinding(f)}`), ...d.evidence],
        remediation: `${check.remediation}${d.remediation ? ` ${d.remediation}` : ''}`,
        ...(d.confidence === 'possible' && d.candidates ? { candidates: [d.cause, ...d.candidates.filter((c) => c !== d.cause)] } : {}),
      };
    }
    if (own.status === 'pass') {
      const others = (d.candidates ?? []).filter((c) => c !== d.cause && pathOf(c)?.status !== 'pass');
      const confidence = LOWER[d.confidence];
      return {
        ...d,
        confidence,
        summary: `${d.summary} But the network path it blames passes from every subnet (${own.route}), so ${others.length > 0 ? `${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} now more likely` : 'something the APIs cannot see (a firewall, DNS outside the VPC) or another cause is at work'}.`,
        evidence: [...d.evidence, `network: ${check.summary}`],
        ...(confidence === 'possible' && (d.candidates ?? []).some((c) => c !== d.cause) ? { candidates: [...others, ...(d.candidates ?? []).filter((c) => !others.includes(c) && c !== d.cause), d.cause] } : {}),
      };
    }
    return { ...d, evidence: [...d.evidence, `network: ${check.summary}`] };
  }
  // Not a network cause: a failing network path among the candidates becomes the lead; passing ones move last.
  if (!d.candidates || d.candidates.length === 0) return d;
  const failing = d.candidates.find((c) => pathOf(c)?.status === 'fail');
  if (failing && d.confidence === 'possible') {
    const path = pathOf(failing)!;
    const check = networkCheck(path);
    return {
      ...d,
      cause: failing,
      confidence: 'likely',
      summary: `${check.summary} (${d.summary})`,
      evidence: [...path.blocking.map((f) => `network: ${describeFinding(f)}`), ...d.evidence],
      remediation: check.remediation,
      candidates: [failing, ...d.candidates.filter((c) => c !== failing)],
    };
  }
  const passing = d.candidates.filter((c) => pathOf(c)?.status === 'pass');
  if (passing.length === 0) return d;
  return { ...d, candidates: [...d.candidates.filter((c) => !passing.includes(c)), ...passing], evidence: [...d.evidence, ...passing.map((c) => `network: ${networkCheck(pathOf(c)!).summary}`)] };
}
