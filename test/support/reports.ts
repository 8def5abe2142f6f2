import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalBundle } from '../../src/bundle/openBundle.js';
import { inspectLocal } from '../../src/report/inspectLocal.js';
import type { Created, FunctionFacts, Report, SecretRef } from '../../src/report/report.js';
import { scanRunOf, type ScanRun } from '../../src/render/summary.js';
import { SAMPLE_10, SAMPLE_94 } from './fixtures.js';

// ---------------------------------------------------------------------------
// Realistic reports: the real offline inspector on the samples, then the
// fields a scan fills in (function, secrets, target, created).

export const ACCOUNT = '123456789012';
export const arnOf = (region: string, name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

export function asFunction(base: Report, region: string, name: string, secrets: string[], created?: Created): Report {
  const r = structuredClone(base);
  const arn = arnOf(region, name);
  const fn: FunctionFacts = {
    name, arn, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', packageType: 'Zip', architectures: ['x86_64'],
    codeSha256: 'aGVsbG8=', codeSize: r.target.size ?? null, lastModified: '2021-06-01T00:00:00.000+0000', timeout: 30,
    vpc: null, layers: [], tags: {},
  };
  r.target = { type: 'function', id: arn, region, bytesRead: r.target.bytesRead, size: r.target.size };
  r.function = fn;
  r.secrets = secrets.map((s): SecretRef => ({
    name: s, arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${s}-AbCdEf`, rotationEnabled: true, lastRotatedDate: '2024-01-01T00:00:00.000Z',
  }));
  if (created) r.created = created;
  return r;
}

export interface Fixture {
  old: Report; current: Report; unsure: Report; broken: Report; injected: Report; all: Report[];
}

let fixture: Promise<Fixture> | undefined;

/** A bundle without its handler (libpq 10 only), created before the cut-offs: the tls check warns. */
async function handlerlessDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ri-render-'));
  const bundle = await openLocalBundle(SAMPLE_10);
  try {
    for (const e of bundle.entries) {
      if (e.type !== 'file' || e.path.endsWith('.py')) continue;
      await writeFile(join(dir, e.path), await bundle.read(e, 1 << 20));
    }
  } finally {
    await bundle.close();
  }
  return dir;
}

export function build(): Promise<Fixture> {
  fixture ??= (async () => {
    const r94 = await inspectLocal(SAMPLE_94, { created: '2021-06-01' });
    const r10 = await inspectLocal(SAMPLE_10, { created: '2022-03-01' });
    const dir = await handlerlessDir();
    let rDir: Report;
    try { rDir = await inspectLocal(dir, { created: '2021-06-01' }); } finally { await rm(dir, { recursive: true, force: true }); }
    const rMissing = await inspectLocal(join(tmpdir(), 'ri-no-such-bundle.zip'));

    const old = asFunction(r94, 'us-east-1', 'SecretsManagerRDSPostgreSQLRotationSingleUser-a-very-long-name-for-the-table', ['prod/db/app', 'prod/db/reporting'], {
      date: '2021-06-01', source: 'cloudformation', stack: 'serverlessrepo-SecretsManagerRDSPostgreSQLRotationSingleUser',
      stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/serverlessrepo-x/1`,
    });
    const current = asFunction(r10, 'eu-west-1', 'pg-rotation-current', ['staging/db, "main"']);
    const unsure = asFunction(rDir, 'eu-west-1', 'pg-rotation-no-handler', ['dev/db']);
    const broken = asFunction(rMissing, 'ap-southeast-2', 'pg-rotation-broken', []);
    broken.errors = [{ code: 'access-denied', message: 'GetFunction: AccessDenied |\nnot authorized' }];
    // Names a spreadsheet would run as formulas.
    const injected = asFunction(r10, 'us-west-2', 'pg-rotation-x', ['=HYPERLINK("http://evil.example/","click")', '+1', '-2', '@SUM(A1)']);
    injected.created = { date: null, source: null, note: 'stack deleted', stack: '=cmd|\' /C calc\'!A0' };
    return { old, current, unsure, broken, injected, all: [current, injected, old, unsure, broken] };
  })();
  return fixture;
}


/** A scan run around reports, started at a fixed time; `more` sets what the run missed. */
export function runOf(reports: readonly Report[], more: Partial<Omit<ScanRun, 'reports'>> = {}): ScanRun {
  const base = scanRunOf({ reports, notInspected: [], regions: [{ region: 'us-east-1' }, { region: 'eu-west-1' }], interrupted: false }, new Date('2026-11-30T11:20:05Z'));
  const run = { ...base, ...more };
  if (more.regions && !more.listingFailures) {
    run.listingFailures = more.regions.flatMap((l) => (l.error ? [{ region: l.region, code: l.error.code, message: l.error.message }] : []));
  }
  return run;
}
