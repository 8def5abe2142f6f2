import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionTlsCheck, databaseScramCheck, databaseTlsCheck, loadedLibpq } from '../src/checks/databaseChecks.js';
import { functionTimeoutCheck, invokePermissionCheck } from '../src/checks/functionChecks.js';
import { rotationStateCheck } from '../src/checks/rotationStateCheck.js';
import { postgresTemplateRequirements, secretStructureCheck } from '../src/checks/secretStructureCheck.js';
import { databaseFacts, type DatabaseDescription } from '../src/facts/database/databaseSettings.js';
import { groupInvocations } from '../src/facts/logs/lambdaLogs.js';
import { secretKeysRead } from '../src/facts/handler/secretKeys.js';
import { secretShape, type SecretMetadata } from '../src/facts/secret/secretFacts.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { Report } from '../src/report/report.js';
import { scenarioBundles } from './support/diagnoseScenarios.js';
import { SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';
import { ARN, FN_ARN, HOST, eventsOf, rid, successfulRotation } from './support/rotationLogs.js';

const NOW = new Date('2024-05-20T12:00:00Z');
let r94: Report;
let r10: Report;
let r11: Report;
let rNoSsl: Report;
test.before(async () => {
  r94 = await inspectLocal(SAMPLE_94, { created: null });
  r10 = await inspectLocal(SAMPLE_10, { created: null });
  const dir = mkdtempSync(join(tmpdir(), 'diagnose-checks-'));
  const bundles = await scenarioBundles();
  writeFileSync(join(dir, '11.zip'), bundles['libpq-11-openssl']);
  writeFileSync(join(dir, 'nossl.zip'), bundles['libpq-9.4-no-openssl']);
  r11 = await inspectLocal(join(dir, '11.zip'), { created: null });
  rNoSsl = await inspectLocal(join(dir, 'nossl.zip'), { created: null });
});

const secret = (over: Partial<SecretMetadata>): SecretMetadata => ({
  name: 'prod/db', arn: ARN, rotationEnabled: true, rotationLambdaArn: FN_ARN, rotationRules: { automaticallyAfterDays: 30 },
  lastRotatedDate: '2024-05-01T00:00:00Z', nextRotationDate: '2024-05-31T00:00:00Z', owningService: null,
  versions: [{ id: 'v1', stages: ['AWSCURRENT', 'AWSPENDING'], createdDate: '2024-05-01T00:00:00Z' }], ...over,
});

test('rotation-state: past NextRotationDate fails; AWSPENDING apart from AWSCURRENT fails after the window, warns inside it', (t) => {
  t.is(rotationStateCheck(secret({}), NOW).status, 'pass');
  t.is(rotationStateCheck(secret({ nextRotationDate: '2024-05-19T00:00:00Z' }), NOW).status, 'fail');
  const apart = (created: string, duration?: string) => secret({ rotationRules: { automaticallyAfterDays: 30, ...(duration ? { duration } : {}) }, versions: [{ id: 'v1', stages: ['AWSCURRENT'], createdDate: '2024-05-01T00:00:00Z' }, { id: 'v2', stages: ['AWSPENDING'], createdDate: created }] });
  t.is(rotationStateCheck(apart('2024-05-19T11:00:00Z'), NOW).status, 'fail', '25 h > the 24 h default window');
  t.is(rotationStateCheck(apart('2024-05-19T13:00:00Z'), NOW).status, 'warn', '23 h < 24 h');
  t.is(rotationStateCheck(apart('2024-05-20T08:00:00Z', '3h'), NOW).status, 'fail', '4 h > Duration 3h');
  t.is(rotationStateCheck(apart('2024-05-20T10:00:00Z', '3h'), NOW).status, 'warn');
  t.is(rotationStateCheck(secret({ rotationEnabled: null }), NOW).status, 'not-applicable');
});

test('function-timeout: a timed-out invocation fails; below the connection budget warns; well within passes', (t) => {
  const inv = (durationMs: number, timeout = false) => groupInvocations(eventsOf([{ id: rid(), at: 1e12, durationMs, timeout }], 'Text'));
  t.is(functionTimeoutCheck(FN_ARN, 30, inv(30_001, true)).status, 'fail');
  t.regex(functionTimeoutCheck(FN_ARN, 30, inv(30_001, true)).remediation, /--timeout 60/);
  t.is(functionTimeoutCheck(FN_ARN, 10, inv(900)).status, 'warn');
  t.is(functionTimeoutCheck(FN_ARN, 30, inv(26_000)).status, 'warn');
  t.is(functionTimeoutCheck(FN_ARN, 30, inv(1_200)).status, 'pass');
  t.is(functionTimeoutCheck(FN_ARN, 30, null, 'logs:FilterLogEvents was refused').status, 'unknown');
  t.is(functionTimeoutCheck(FN_ARN, null, []).status, 'unknown');
});

test('invoke-permission: the principal as a string or a list, Deny wins, no policy fails, unreadable is unknown', (t) => {
  const doc = (...st: object[]) => ({ document: JSON.stringify({ Version: '2012-10-17', Statement: st }) });
  t.is(invokePermissionCheck(FN_ARN, doc({ Sid: 'a', Effect: 'Allow', Principal: { Service: 'secretsmanager.amazonaws.com' }, Action: 'lambda:InvokeFunction' })).status, 'pass');
  t.is(invokePermissionCheck(FN_ARN, doc({ Sid: 'a', Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'secretsmanager.amazonaws.com'] }, Action: ['lambda:*'] })).status, 'pass');
  t.is(invokePermissionCheck(FN_ARN, doc({ Sid: 'a', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:InvokeFunction' })).status, 'fail');
  t.is(invokePermissionCheck(FN_ARN, doc({ Effect: 'Allow', Principal: { Service: 'secretsmanager.amazonaws.com' }, Action: 'lambda:InvokeFunction' }, { Effect: 'Deny', Principal: '*', Action: '*' })).status, 'fail');
  const none = invokePermissionCheck(FN_ARN, { document: null });
  t.is(none.status, 'fail');
  t.is(none.remediation, `Let Secrets Manager invoke the function: aws lambda add-permission --function-name ${FN_ARN} --statement-id SecretsManagerRotationInvoke --action lambda:InvokeFunction --principal secretsmanager.amazonaws.com --source-account 123456789012`);
  t.is(invokePermissionCheck(FN_ARN, { error: 'lambda:GetPolicy was refused' }).status, 'unknown');
});

test('secret-structure: key names only; missing keys and a foreign engine fail; values are never kept', (t) => {
  const cur = secretShape('AWSCURRENT', JSON.stringify({ engine: 'postgres', host: HOST, username: 'app', password: 'Pw-Do-Not-Keep-7731', port: 5432 }));
  t.deepEqual(cur.keys, ['engine', 'host', 'username', 'password', 'port']);
  t.deepEqual(cur.fields, { engine: 'postgres', host: HOST, port: '5432' });
  t.false(JSON.stringify(cur).includes('Pw-Do-Not-Keep-7731'));
  const req = postgresTemplateRequirements(false);
  t.is(secretStructureCheck([cur], req).status, 'pass');
  t.is(secretStructureCheck([cur], postgresTemplateRequirements(true)).status, 'fail');
  const mysql = secretShape('AWSPENDING', JSON.stringify({ engine: 'mysql', host: HOST, username: 'app', password: 'x' }));
  t.regex(secretStructureCheck([cur, mysql], req).summary, /engine "mysql"/);
  t.is(secretStructureCheck(null, req).status, 'not-applicable');
  t.true(secretShape('AWSCURRENT', 'not json Pw-Do-Not-Keep-7731').notJson);
  t.false(JSON.stringify(secretShape('AWSCURRENT', 'not json Pw-Do-Not-Keep-7731')).includes('Pw-Do'));
});

const desc = (engine: string, engineVersion: string, parameters: DatabaseDescription['parameters'], parameterGroup = 'custom-pg'): DatabaseDescription =>
  ({ identifier: 'orders', kind: engine.startsWith('aurora') ? 'cluster' : 'instance', engine, engineVersion, endpoint: HOST, port: 5432, parameterGroup, parameters });

test('database settings: engine defaults by version, a value set in the group wins, an unreadable group is only assumed', (t) => {
  const f = (d: DatabaseDescription) => databaseFacts(d, 'flag');
  t.deepEqual([f(desc('postgres', '13.12', [])).passwordEncryption.value, f(desc('postgres', '13.12', [])).forceSsl.value], ['md5', '0']);
  t.deepEqual([f(desc('postgres', '14.9', [])).passwordEncryption.value, f(desc('postgres', '14.9', [])).forceSsl.value], ['scram-sha-256', '0']);
  t.deepEqual([f(desc('postgres', '16.1', [])).passwordEncryption.value, f(desc('postgres', '16.1', [])).forceSsl.value], ['scram-sha-256', '1']);
  t.deepEqual([f(desc('aurora-postgresql', '15.4', [])).passwordEncryption.value, f(desc('aurora-postgresql', '15.4', [])).forceSsl.value], ['scram-sha-256', '0']);
  const set = f(desc('postgres', '15.4', [{ name: 'password_encryption', value: 'md5', source: 'user' }, { name: 'rds.force_ssl', source: 'system', value: '1' }]));
  t.deepEqual(set.passwordEncryption, { value: 'md5', source: 'parameter-group', group: 'custom-pg' });
  t.is(set.forceSsl.source, 'engine-default');
  const unread = f({ ...desc('postgres', '15.4', null), parametersError: 'rds:DescribeDBParameters was refused' });
  t.is(unread.passwordEncryption.value, 'scram-sha-256');
  t.true(unread.passwordEncryption.assumed);
});

test('database-scram: libpq 9.4 against scram fails, against md5 passes with the warning; libpq 10 passes', (t) => {
  const scram = databaseFacts(desc('postgres', '15.4', [{ name: 'password_encryption', value: 'scram-sha-256', source: 'user' }]), 'flag');
  const md5 = databaseFacts(desc('postgres', '13.4', []), 'flag');
  t.is(databaseScramCheck(loadedLibpq(r94), scram).status, 'fail');
  t.regex(databaseScramCheck(loadedLibpq(r94), scram).summary, /libpq 9\.4\.26 and password_encryption = scram-sha-256/);
  const warned = databaseScramCheck(loadedLibpq(r94), md5);
  t.is(warned.status, 'pass');
  t.regex(warned.summary, /next engine upgrade/);
  t.is(databaseScramCheck(loadedLibpq(r10), scram).status, 'pass');
  t.is(databaseScramCheck(loadedLibpq(r94), null, 'no database').status, 'unknown');
});

test('database-tls: force_ssl 1 against a libpq without OpenSSL fails, against sslmode=disable fails, on prefer warns; force_ssl 0 passes', (t) => {
  const on = databaseFacts(desc('postgres', '15.4', []), 'flag');
  const off = databaseFacts(desc('postgres', '13.4', []), 'flag');
  t.is(loadedLibpq(rNoSsl)!.openssl, false);
  t.regex(databaseTlsCheck(rNoSsl, loadedLibpq(rNoSsl), on).summary, /without OpenSSL/);
  t.is(databaseTlsCheck(rNoSsl, loadedLibpq(rNoSsl), on).status, 'fail');
  t.is(loadedLibpq(r11)!.openssl, true);
  t.is(databaseTlsCheck(r11, loadedLibpq(r11), on).status, 'warn');
  const disabling = { ...r11, handler: r94.handler };
  t.regex(databaseTlsCheck(disabling, loadedLibpq(disabling), on).summary, /turns TLS off/);
  t.is(databaseTlsCheck(r94, loadedLibpq(r94), off).status, 'pass');
});

test('connection-tls: the templates\' "non SSL/TLS" line warns, SSL/TLS passes, nothing is unknown', (t) => {
  const ok = groupInvocations(eventsOf(successfulRotation(1e12), 'JSON'));
  t.is(connectionTlsCheck(ok).status, 'pass');
  const plain = groupInvocations(eventsOf([{ id: rid(), at: 1e12, durationMs: 900, lines: [['INFO', `Successfully established non SSL/TLS connection as user 'app' with host: '${HOST}'`]] }], 'Text'));
  t.is(connectionTlsCheck(plain).status, 'warn');
  t.is(connectionTlsCheck([]).status, 'unknown');
  t.is(connectionTlsCheck(null, 'refused').status, 'unknown');
});

test('secret keys from the handler\'s own code: subscripts without a default are required, tested or .get() ones optional, raising guards and checked lists required', (t) => {
  // Shaped like the official templates' get_secret_dict (our own lines, not their code).
  const templateShaped = [
    "required_fields = ['host', 'username', 'password']",
    "supported_engines = ['postgres', 'aurora-postgresql']",
    "if 'engine' not in secret_dict or secret_dict['engine'] not in supported_engines:",
    "raise KeyError(\"Database engine must be set to 'postgres' in order to use this rotation lambda\")",
    'for field in required_fields:',
    'if field not in secret_dict:',
    "raise KeyError('%s key is missing from secret JSON' % field)",
    "port = int(secret_dict['port']) if 'port' in secret_dict else 5432",
    "if 'ssl' not in secret_dict:",
    'return True, True',
    "return secret_dict['ssl'], False",
    "master_arn = current_dict['masterarn']",
    "current_dict['password'] = new_password",
  ];
  t.deepEqual(secretKeysRead(templateShaped), { required: ['engine', 'host', 'masterarn', 'password', 'username'], optional: ['port', 'ssl'], engines: ['postgres', 'aurora-postgresql'] });
  t.deepEqual(r94.handler?.secretKeys, { required: ['host', 'password', 'username'], optional: ['dbname', 'engine', 'port'], engines: ['postgres'] });
});

test('secret-structure judges the keys the function\'s own handler requires', (t) => {
  const keys = r94.handler!.secretKeys!;
  const req = { required: keys.required, engines: keys.engines, source: 'lambda_function.py' };
  const noEngine = secretShape('AWSCURRENT', JSON.stringify({ host: HOST, username: 'u', password: 'p' }));
  t.is(secretStructureCheck([noEngine], req).status, 'pass', 'the sample defaults engine to postgres');
  t.is(secretStructureCheck([noEngine], postgresTemplateRequirements(false)).status, 'fail', 'the template requires engine');
  t.regex(secretStructureCheck([secretShape('AWSCURRENT', JSON.stringify({ host: HOST, password: 'p' }))], req).summary, /lacks "username"/);
});
