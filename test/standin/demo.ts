// `npm run demo`: a whole account scan on a fresh machine, no AWS needed.
// Starts the loopback AWS stand-in with a small fleet built from samples/,
// then runs `rotation-inspector scan` against it. Extra arguments go to scan:
//   npm run demo -- --format markdown
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyFleet, makeFleet } from './fleet.js';
import { DEFAULT_CREDENTIALS, startStandin } from './server.js';
import { buildZip } from './zip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const old = readFileSync(`${root}samples/postgres-9.4-rotation.zip`);
const current = readFileSync(`${root}samples/postgres-10-rotation.zip`);

const layerArn = 'arn:aws:lambda:us-east-1:123456789012:layer:shared-db-libs:4';
const fleet = makeFleet({
  count: 12, codes: [old, current], regions: ['us-east-1', 'eu-west-1'], namePrefix: 'demo-rotation',
  secretsPerFunction: 2, unrotatedSecretsPerRegion: 2, imageEvery: 11, stackEvery: 1, deletedStackEvery: 4,
  baseTime: '2021-11-01T00:00:00Z', layers: [{ arn: layerArn, code: buildZip([{ name: 'python/README.txt', data: 'shared helpers' }]) }], layerEvery: 5,
});
const standin = await startStandin({ knobs: { listSecretsPageSize: 5, latencyMs: 15 } });
applyFleet(standin, fleet);
standin.addSecret({ name: 'legacy/orders-db', rotationEnabled: true, rotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:deleted-rotation-fn' });

process.stderr.write(
  `demo: a local AWS stand-in at ${standin.endpoint} plays an account with ${fleet.functions.length + 1} rotation functions ` +
  `(built from samples/, one since deleted) in us-east-1 and eu-west-1.\n` +
  'demo: running: rotation-inspector scan --region us-east-1 --region eu-west-1 --endpoint-url <stand-in> --no-cache\n\n',
);
const child = spawn(process.execPath, [`${root}bin/rotation-inspector.js`, 'scan', '--region', 'us-east-1', '--region', 'eu-west-1', '--endpoint-url', standin.endpoint, '--no-cache', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    AWS_ACCESS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true',
  },
});
// Ctrl-C reaches the scan too (same process group): wait for it to report and pass its 130 on.
process.on('SIGINT', () => {});
const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 2)));
await standin.close();
const meaning = ({ 0: 'nothing at or above --fail-on', 1: 'some function will fail its next rotation', 2: 'some function could not be inspected (here: the deleted one)', 130: 'interrupted' } as Record<number, string>)[code] ?? 'unexpected';
process.stderr.write(`\ndemo: scan exited ${code}: ${meaning}.\n`);
// The demo's exit code is the scan's: a script or CI running it sees what the scan saw.
process.exitCode = code;
