/**
 * Renderers for `diagnose`'s secret reports: table, json/ndjson, csv, sarif,
 * markdown. Text from AWS (secret names, log lines, error messages) is
 * outside text: it goes through the same escaping as the other renderers.
 */
import { SEVERITY, type CheckStatus } from '../checks/check.js';
import type { DiagnoseCheck } from '../checks/diagnoseCheck.js';
import { NOT_FAILURES, type Cause } from '../diagnose/diagnose.js';
import type { SecretReport } from '../diagnose/secretReport.js';
import { renderAccountSections } from './accountTable.js';
import { ACCOUNT_CSV_COLUMNS, accountCells, csvField } from './csv.js';
import { wrap } from './layout.js';
import { escapeCell } from './markdown.js';
import { escapeJsonOutsideText, showOutsideText } from './outsideText.js';
import { FINGERPRINT_KEY, SARIF_SCHEMA, awsPseudoPath, fingerprint } from './sarif.js';
import type { Style } from './style.js';
import { STATUS_LABEL, accountRunOf, type AccountRun } from './summary.js';

/** Failure causes first (errors before them), then not-failures; within, confirmed before likely before possible. */
const CONFIDENCE_RANK = { confirmed: 0, likely: 1, possible: 2 } as const;
function rank(r: SecretReport): number {
  if (r.errors.length > 0) return 0;
  return NOT_FAILURES.has(r.diagnosis.cause) ? 10 + CONFIDENCE_RANK[r.diagnosis.confidence] : 1 + CONFIDENCE_RANK[r.diagnosis.confidence];
}
export function sortSecretReports(reports: readonly SecretReport[]): SecretReport[] {
  return [...reports].sort((a, b) => rank(a) - rank(b) || secretName(a).localeCompare(secretName(b)));
}

export const secretName = (r: SecretReport): string => r.secret?.name ?? r.target.id;
const fnName = (r: SecretReport): string => (r.function && 'target' in r.function ? r.function.function?.name ?? r.function.target.id : r.secret?.rotationLambdaArn?.split(':')[6] ?? '-');
const text = (s: string) => showOutsideText(s);
/** The secret's account: the report's (runs over accounts), else the account in its ARN (arn:aws:secretsmanager:region:account:…). */
const accountIdOf = (r: SecretReport): string | null => r.account?.id ?? (r.target.type === 'account' ? r.target.id : r.target.id.split(':')[4] || null);
const regionOf = (r: SecretReport): string | null => r.target.region ?? (r.target.id.split(':')[3] || null);
/** The account as one cell: its id, with its name when Organizations gave one. */
const accountLabel = (r: SecretReport): string => { const id = accountIdOf(r); return id === null ? '-' : `${id}${r.account?.name ? ` (${r.account.name})` : ''}`; };
const escapeMarkdown = escapeCell;
/** Cut to `width` characters, ending in … when cut. */
function truncate(t: string, width: number): string {
  const chars = [...t];
  return chars.length <= width ? t : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** The status a cause shows as: a failure is FAIL, a not-failure PASS, an unknown UNKNOWN. */
export function causeStatus(cause: Cause): CheckStatus {
  if (cause === 'unknown') return 'unknown';
  return NOT_FAILURES.has(cause) ? 'pass' : 'fail';
}

export interface DiagnoseSummary {
  secrets: number;
  failing: number;
  ok: number;
  unknown: number;
  errors: number;
  byCause: Partial<Record<Cause, number>>;
  notDiagnosed: string[];
  interrupted: boolean;
  /** Every account of the run (read or not), with its secrets diagnosed. */
  accounts?: Array<AccountRun & { secrets: number }>;
}

export function summarizeSecrets(reports: readonly SecretReport[], notDiagnosed: readonly string[] = [], interrupted = false, accounts?: readonly AccountRun[]): DiagnoseSummary {
  const byCause: Partial<Record<Cause, number>> = {};
  for (const r of reports) if (r.errors.length === 0) byCause[r.diagnosis.cause] = (byCause[r.diagnosis.cause] ?? 0) + 1;
  return {
    secrets: reports.length,
    failing: reports.filter((r) => r.errors.length === 0 && causeStatus(r.diagnosis.cause) === 'fail').length,
    ok: reports.filter((r) => r.errors.length === 0 && causeStatus(r.diagnosis.cause) === 'pass').length,
    unknown: reports.filter((r) => r.errors.length === 0 && r.diagnosis.cause === 'unknown').length,
    errors: reports.filter((r) => r.errors.length > 0).length,
    byCause, notDiagnosed: [...notDiagnosed], interrupted,
    ...(accounts ? { accounts: accounts.map((a) => ({ ...accountRunOf(a), secrets: reports.filter((r) => r.account?.id === a.id && r.target.type === 'secret').length })) } : {}),
  };
}

const WIDTH = 100;

/** One secret in detail: diagnosis, evidence, remediation, checks, what could not be read. */
export function renderSecretDetail(r: SecretReport, style: Style): string {
  const out: string[] = [];
  const d = r.diagnosis;
  out.push(`${style.bold(text(secretName(r)))}  ${style.dim(text(r.target.id))}`);
  if (r.errors.length > 0) {
    for (const e of r.errors) out.push(`${style.status('fail', 'error')}  ${truncate(text(e.message), WIDTH - 7)}`);
    return `${out.join('\n')}\n`;
  }
  out.push(`  ${style.bold('DIAGNOSIS')}  ${style.status(causeStatus(d.cause), d.cause)} (${d.confidence})${d.candidates ? `; candidates: ${d.candidates.join(', ')}` : ''}`);
  out.push(...wrap(text(d.summary), WIDTH, '    ', '    '));
  if (d.evidence.length) {
    out.push(`  ${style.bold('EVIDENCE')}`);
    for (const e of d.evidence.slice(0, 8)) out.push(`    ${truncate(text(e), WIDTH - 4)}`);
  }
  if (d.remediation) {
    // Not wrapped: the commands in it are copied as they are.
    out.push(`  ${style.bold('REMEDIATION')}`, `    ${text(d.remediation)}`);
  }
  const idWidth = Math.max(...r.checks.map((c) => c.id.length), 5);
  out.push(`  ${style.bold(`${'CHECK'.padEnd(idWidth)}  STATUS   SUMMARY`)}`);
  for (const c of r.checks) {
    out.push(`  ${c.id.padEnd(idWidth)}  ${style.status(c.status, STATUS_LABEL[c.status].padEnd(7))}  ${truncate(text(c.summary), WIDTH - idWidth - 13)}`);
  }
  const inv = r.invocations;
  const fn = fnName(r);
  if (inv) {
    const newest = inv[0];
    out.push(`  ${style.bold('LOGS')}  ${inv.length} invocation(s) of ${text(fn)} in ${text(r.logs?.logGroup ?? '?')} since ${r.logs?.since.slice(0, 10) ?? '?'}${newest ? `; newest ${newest.start} ${newest.steps.join(',') || '-'} ${newest.outcome}${newest.durationMs !== null ? ` ${(newest.durationMs / 1000).toFixed(2)} s` : ''}` : ''}`);
  }
  if (r.database) {
    const db = r.database;
    out.push(`  ${style.bold('DATABASE')}  ${text(db.identifier)} (${db.kind}, ${text(db.engine)} ${text(db.engineVersion)}, found by ${db.source}${db.admittedBy ? `, admitted by ${text(db.admittedBy)}` : ''}): password_encryption = ${text(db.passwordEncryption.value ?? '?')}, rds.force_ssl = ${text(db.forceSsl.value ?? '?')}`);
  }
  for (const u of r.unknown) out.push(`  ${style.status('unknown', 'unknown')}  ${truncate(text(u), WIDTH - 11)}`);
  return `${out.join('\n')}\n`;
}

/** The counts of a run (or of one account's part of it). */
function countsLine(summary: DiagnoseSummary, style: Style): string {
  return `${style.bold(`${summary.secrets} secret${summary.secrets === 1 ? '' : 's'}`)}: ${summary.failing} failing, ${summary.ok} ok, ${summary.unknown} unknown${summary.errors ? `, ${summary.errors} with errors` : ''}${summary.interrupted ? `; interrupted, ${summary.notDiagnosed.length} not diagnosed` : ''}`;
}

/** Several secrets: one row each, worst first, then the totals and every error on its own line. */
export function renderSecretTable(reports: readonly SecretReport[], style: Style, summary = summarizeSecrets(reports)): string {
  const rows = sortSecretReports(reports).map((r) => ({
    r,
    cells: [text(secretName(r)), text(r.target.region ?? '-'), r.errors.length ? 'error' : r.diagnosis.cause, r.errors.length ? '-' : r.diagnosis.confidence, text(fnName(r))],
  }));
  const header = ['SECRET', 'REGION', 'CAUSE', 'CONFIDENCE', 'FUNCTION'];
  const widths = header.map((h, i) => Math.min(i === 0 || i === 4 ? 32 : 40, Math.max(h.length, ...rows.map((x) => [...x.cells[i]!].length))));
  const line = (cells: string[]) => cells.map((c, i) => truncate(c, widths[i]!).padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [style.bold(line(header))];
  for (const x of rows) {
    const l = line(x.cells);
    out.push(x.r.errors.length ? style.status('fail', l) : causeStatus(x.r.diagnosis.cause) === 'fail' ? style.status('fail', l) : l);
  }
  out.push('');
  out.push(countsLine(summary, style));
  for (const x of rows) for (const e of x.r.errors) out.push(`${style.status('fail', 'error')}  ${truncate(text(e.message), WIDTH - 7)}`);
  return `${out.join('\n')}\n`;
}

/** The table format: details for a few secrets, a row table for many; over several accounts, a section per account. */
export function renderDiagnoseTable(reports: readonly SecretReport[], style: Style, summary?: DiagnoseSummary, byAccount = false): string {
  if (byAccount && summary?.accounts) {
    const out = renderAccountSections(summary.accounts, style, { width: WIDTH }, (a) => {
      // A report on an account that could not be read is shown by its section's error line.
      const own = reports.filter((r) => r.account?.id === a.id && r.target.type === 'secret');
      return own.length ? renderSecretTable(own, style, summarizeSecrets(own)) : '  no secrets with rotation\n';
    });
    out.push(countsLine(summary, style));
    return `${out.join('\n')}\n`;
  }
  if (reports.length <= 3 && !summary?.interrupted) return sortSecretReports(reports).map((r) => renderSecretDetail(r, style)).join('\n');
  return renderSecretTable(reports, style, summary);
}

/** One object for one named secret; otherwise {reports, summary}. */
export function renderDiagnoseJson(reports: readonly SecretReport[], single: boolean, summary: DiagnoseSummary): string {
  return `${escapeJsonOutsideText(JSON.stringify(single && reports.length === 1 && !summary.interrupted ? reports[0] : { reports: sortSecretReports(reports), summary }, null, 2))}\n`;
}

export function renderDiagnoseNdjson(reports: readonly SecretReport[]): string {
  return sortSecretReports(reports).map((r) => `${escapeJsonOutsideText(JSON.stringify(r))}\n`).join('');
}

const CSV_CHECKS = ['rotation-state', 'function-timeout', 'invoke-permission', 'secret-structure', 'database-scram', 'database-tls', 'connection-tls', 'scram', 'tls'] as const;
export const DIAGNOSE_CSV_COLUMNS = ['secret_arn', 'secret_name', 'region', 'cause', 'confidence', 'summary', 'function', 'database', ...CSV_CHECKS.map((c) => c.replace(/-/g, '_')), 'unknown', 'errors', ...ACCOUNT_CSV_COLUMNS] as const;

const checkOf = (r: SecretReport, id: string): DiagnoseCheck | undefined => r.checks.find((c) => c.id === id);

export function renderDiagnoseCsv(reports: readonly SecretReport[]): string {
  const rows = sortSecretReports(reports).map((r) => [
    r.target.id, secretName(r), r.target.region ?? '', r.errors.length ? '' : r.diagnosis.cause, r.errors.length ? '' : r.diagnosis.confidence, r.diagnosis.summary,
    fnName(r), r.database?.identifier ?? '', ...CSV_CHECKS.map((c) => checkOf(r, c)?.status ?? ''), r.unknown.join('; '), r.errors.map((e) => e.message).join('; '),
    ...Object.values(accountCells(accountIdOf(r), r.account?.name)),
  ].map((v) => csvField(v)));
  return [[...DIAGNOSE_CSV_COLUMNS], ...rows].map((cells) => `${cells.join(',')}\r\n`).join('');
}

export function renderDiagnoseMarkdown(reports: readonly SecretReport[], summary: DiagnoseSummary): string {
  const out: string[] = ['# Rotation diagnosis', ''];
  out.push(`${summary.secrets} secret(s): ${summary.failing} failing, ${summary.ok} ok, ${summary.unknown} unknown${summary.errors ? `, ${summary.errors} with errors` : ''}${summary.interrupted ? `. **Interrupted**: ${summary.notDiagnosed.length} not diagnosed (${summary.notDiagnosed.map(escapeMarkdown).join(', ')})` : ''}.`, '');
  out.push('| Secret | Account | Region | Cause | Confidence | Function |', '|---|---|---|---|---|---|');
  const sorted = sortSecretReports(reports);
  for (const r of sorted) out.push(`| ${escapeCell(secretName(r))} | ${escapeCell(accountLabel(r))} | ${escapeCell(regionOf(r) ?? '-')} | ${r.errors.length ? '**error**' : r.diagnosis.cause} | ${r.errors.length ? '' : r.diagnosis.confidence} | ${escapeCell(fnName(r))} |`);
  for (const r of sorted) {
    out.push('', `## ${escapeMarkdown(secretName(r))}`, '', `Account ${escapeMarkdown(accountLabel(r))}, region ${escapeMarkdown(regionOf(r) ?? '-')}.`, '');
    if (r.errors.length) { for (const e of r.errors) out.push(`- **error**: ${escapeMarkdown(e.message)}`); continue; }
    const d = r.diagnosis;
    out.push(`**${d.cause}** (${d.confidence})${d.candidates ? `; candidates: ${d.candidates.join(', ')}` : ''}: ${escapeMarkdown(d.summary)}`, '');
    if (d.evidence.length) { out.push('Evidence:', ''); for (const e of d.evidence.slice(0, 8)) out.push(`- ${escapeMarkdown(e)}`); out.push(''); }
    if (d.remediation) out.push(`Remediation: ${escapeMarkdown(d.remediation)}`, '');
    out.push('| Check | Status | Summary |', '|---|---|---|');
    for (const c of r.checks) out.push(`| ${c.id} | ${STATUS_LABEL[c.status]} | ${escapeCell(c.summary)} |`);
    if (r.network) {
      out.push('', 'Network paths:', '');
      for (const p of [r.network.secretsmanager, r.network.database, r.network.rdsApi]) {
        out.push(`- **${p.path}** ${STATUS_LABEL[p.status]} (${p.route})`);
        for (const h of p.hops) out.push(`  - ${escapeMarkdown(h)}`);
        for (const f of p.blocking) out.push(`  - blocked by ${escapeMarkdown(`${f.resource} ${f.rule}: ${f.why}`)}`);
      }
    }
    if (r.unknown.length) { out.push('', 'Could not be read:', ''); for (const u of r.unknown) out.push(`- ${escapeMarkdown(u)}`); }
  }
  return `${out.join('\n')}\n`;
}

/** SARIF 2.1.0: a result per failing diagnosis (rule = the cause), per fail/warn check, per unreadable secret. */
export function renderDiagnoseSarif(reports: readonly SecretReport[], toolVersion: string): string {
  const rules = new Map<string, { id: string; name: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }>();
  const rule = (id: string, short: string, level: string) => {
    if (!rules.has(id)) rules.set(id, { id, name: id.replace(/(^|[-/])(\w)/g, (_m, _s, c: string) => c.toUpperCase()), shortDescription: { text: short }, defaultConfiguration: { level } });
    return [...rules.keys()].indexOf(id);
  };
  // scan's pseudo-path: aws/<account>/<region>/secretsmanager/<secret> (aws/<account> for an account not read).
  const loc = (r: SecretReport) => ({
    physicalLocation: { artifactLocation: { uri: r.target.type === 'account' ? awsPseudoPath(r.target.id) : awsPseudoPath(accountIdOf(r), regionOf(r), 'secretsmanager', secretName(r)) } },
    logicalLocations: [{ name: showOutsideText(secretName(r)), kind: r.target.type === 'account' ? 'namespace' : 'resource', fullyQualifiedName: showOutsideText(r.target.id) }],
    properties: { account: accountIdOf(r), ...(r.account?.name ? { accountName: showOutsideText(r.account.name) } : {}), ...(r.account?.credentials ? { credentials: r.account.credentials } : {}) },
  });
  const results = sortSecretReports(reports).flatMap((r) => {
    if (r.errors.length) {
      const id = 'diagnosis-error';
      return [{ ruleId: id, ruleIndex: rule(id, 'The secret could not be read', 'error'), level: 'error', message: { text: showOutsideText(r.errors.map((e) => e.message).join('; ')) }, locations: [loc(r)], partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(id, r.target.id) } }];
    }
    const d = r.diagnosis;
    const out: object[] = [];
    if (causeStatus(d.cause) !== 'pass') {
      const id = `diagnosis/${d.cause}`;
      out.push({ ruleId: id, ruleIndex: rule(id, `Rotation fails: ${d.cause}`, 'error'), level: d.cause === 'unknown' ? 'warning' : 'error', message: { text: showOutsideText(`${d.summary} (${d.confidence})`) }, locations: [loc(r)], partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(id, r.target.id) }, properties: { confidence: d.confidence, evidence: d.evidence.map(showOutsideText), remediation: showOutsideText(d.remediation) } });
    }
    for (const c of r.checks.filter((x) => SEVERITY[x.status] >= SEVERITY.warn)) {
      out.push({ ruleId: c.id, ruleIndex: rule(c.id, `Check ${c.id}`, 'error'), level: c.status === 'fail' ? 'error' : 'warning', message: { text: showOutsideText(c.summary) }, locations: [loc(r)], partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(c.id, r.target.id) } });
    }
    return out;
  });
  const log = { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [{ tool: { driver: { name: 'rotation-inspector', version: toolVersion, rules: [...rules.values()] } }, results }] };
  return `${escapeJsonOutsideText(JSON.stringify(log, null, 2))}\n`;
}
