import type { Check, CheckId } from './check.js';

/** The checks `diagnose` adds to a secret's report, beside the function's scram and tls. */
export type DiagnoseCheckId =
  | 'rotation-state' | 'function-timeout' | 'invoke-permission' | 'secret-structure'
  | 'database-scram' | 'database-tls' | 'connection-tls'
  | 'network-secretsmanager' | 'network-database' | 'network-rds-api';

export const DIAGNOSE_CHECK_IDS: readonly DiagnoseCheckId[] = [
  'rotation-state', 'function-timeout', 'invoke-permission', 'secret-structure', 'database-scram', 'database-tls', 'connection-tls',
  'network-secretsmanager', 'network-database', 'network-rds-api',
];

/** A check of a secret report: the Check shape, with the wider id set. */
export type DiagnoseCheck = Omit<Check, 'id'> & { id: CheckId | DiagnoseCheckId };

/** A shell word, single-quoted when it needs to be (remediation commands are printed, never run). */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
