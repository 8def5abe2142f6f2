import test from 'ava';
import { secretReport } from '../src/diagnose/secretReport.js';
import type { DiagnoseSnapshot } from '../src/diagnose/diagnose.js';
import { groupInvocations } from '../src/facts/logs/lambdaLogs.js';
import {
  renderDiagnoseCsv, renderDiagnoseJson, renderDiagnoseMarkdown, renderDiagnoseNdjson, renderDiagnoseSarif, renderDiagnoseTable, summarizeSecrets,
} from '../src/render/diagnose.js';
import { makeStyle } from '../src/render/style.js';
import { sarifSchemaErrors } from './support/sarifSchema.js';
import { NOW, scenarioSecret } from './support/diagnoseScenarios.js';
import { FN_ARN, eventsOf, rid } from './support/rotationLogs.js';

// Text from AWS is data: a log line, a secret name or an error message that carries terminal escapes, bidi
// overrides or line breaks must reach no terminal, CSV cell, markdown table or SARIF message as such.
const HOSTILE = 'evil\x1b[2J\x1b]0;pwned\x07\u202egnp.exe\r\n=cmd|x';

function hostileReport() {
  const secret = { ...scenarioSecret('stuck', `arn:aws:secretsmanager:us-east-1:123456789012:secret:${HOSTILE}-AbCdEf`, `prod/${HOSTILE}`, FN_ARN) };
  const specs = [{
    id: rid(), at: NOW - 3600_000, durationMs: 410.2,
    lines: [['ERROR', `setSecret: Unable to log into database with previous, current, or pending secret of secret arn ${HOSTILE}`]] as Array<['ERROR', string]>,
    error: { type: 'ValueError', message: `Unable to log into database ${HOSTILE}` },
  }];
  const s: DiagnoseSnapshot = {
    now: new Date(NOW).toISOString(), region: 'us-east-1', secret,
    functionConfig: { name: 'fn', arn: FN_ARN, timeout: 30, logGroup: `/aws/lambda/${HOSTILE}`, logFormat: 'Text', tags: {} },
    invocations: groupInvocations(eventsOf(specs, 'Text')), policy: { error: `lambda:GetPolicy refused ${HOSTILE}` }, database: null, databaseError: HOSTILE,
  };
  return secretReport(s, { unknown: [`database: ${HOSTILE}`], logs: { logGroup: `/aws/lambda/${HOSTILE}`, since: new Date(NOW - 14 * 86_400_000).toISOString() } });
}

test('every diagnose format shows hostile outside text escaped: no ESC, BEL, bidi override or raw line break', (t) => {
  const r = hostileReport();
  t.is(r.diagnosis.cause, 'database-auth-failed');
  const summary = summarizeSecrets([r]);
  const outputs: Record<string, string> = {
    table: renderDiagnoseTable([r], makeStyle(false), summary),
    rows: renderDiagnoseTable([r, r, r, r], makeStyle(false)),
    json: renderDiagnoseJson([r], true, summary),
    ndjson: renderDiagnoseNdjson([r]),
    csv: renderDiagnoseCsv([r]),
    markdown: renderDiagnoseMarkdown([r], summary),
    sarif: renderDiagnoseSarif([r], '0.0.0'),
  };
  for (const [format, out] of Object.entries(outputs)) {
    t.false(/[\x1b\x07\u202e]/.test(out), `${format}: raw control or bidi character`);
    t.true(out.includes('evil'), `${format}: the text is still shown`);
  }
  t.regex(outputs.table!, /evil\\x1b\[2J/);
  // CSV: every record ends in CRLF and no cell carries a raw line break from the data.
  const csvLines = outputs.csv!.split('\r\n').filter(Boolean);
  t.is(csvLines.length, 2);
  // JSON keeps the value for programs: parsing gives the original text back.
  t.true((JSON.parse(outputs.json!) as { secret: { name: string } }).secret.name.includes('\u202e'));
});

test('a hostile account name (from Organizations) stays escaped in the per-account table, markdown, csv and sarif', (t) => {
  const r = { ...hostileReport(), account: { id: '123456789012', name: `team ${HOSTILE}`, credentials: 'role' as const } };
  const other = { ...hostileReport(), account: { id: '210987654321', name: 'plain' } };
  const summary = summarizeSecrets([r, other], [], false, [{ id: '123456789012', name: `team ${HOSTILE}`, credentials: 'role' }, { id: '210987654321', name: 'plain' }]);
  const outputs: Record<string, string> = {
    table: renderDiagnoseTable([r, other], makeStyle(false), summary, true),
    csv: renderDiagnoseCsv([r, other]),
    markdown: renderDiagnoseMarkdown([r, other], summary),
    sarif: renderDiagnoseSarif([r, other], '0.0.0'),
  };
  for (const [format, out] of Object.entries(outputs)) {
    t.false(/[\x1b\x07\u202e]/.test(out), `${format}: raw control or bidi character`);
    t.true(out.includes('123456789012') && out.includes('210987654321'), `${format}: both accounts shown`);
  }
  t.regex(outputs.table!, /^ACCOUNT 123456789012 \(team evil\\x1b\[2J/m);
  t.regex(outputs.table!, /^ACCOUNT 210987654321 \(plain\)/m);
  t.is(outputs.csv!.split('\r\n').filter(Boolean).length, 3, 'no cell breaks a record');
  t.deepEqual(sarifSchemaErrors(JSON.parse(outputs.sarif!)), []);
  t.true(outputs.sarif!.includes('"accountName": "team evil\\\\x1b[2J'), 'the SARIF account name shows the escape as text');
});
