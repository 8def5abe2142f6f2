import test from 'ava';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { CacheRefusedError, cacheKey, defaultCacheDir, entryPath, openFindingsCache } from '../src/scan/findingsCache.js';

const SHA = 'n0cXb+9x0Tn2vN1Vd0tJ1P0m8Oa5cQ1Gx8y3n2iC0w4=';
const HANDLER = 'lambda_function.lambda_handler';
const FINDINGS = { libraries: [{ path: 'libpq.so.5', version: { value: '9.4.26', exact: true } }], handler: { asksForTls: false }, errors: [] };

async function tempRoot(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ri-cache-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...await walk(p));
  }
  return out;
}

test('round trip: the value comes back, stored at <dir>/v1/<2 hex>/<key>.json with its metadata', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'cache');
  const cache = openFindingsCache(dir, '0.1.0');
  t.is(await cache.get(SHA, HANDLER), undefined);
  await cache.set(SHA, HANDLER, FINDINGS);
  t.deepEqual(await cache.get<typeof FINDINGS>(SHA, HANDLER), FINDINGS);
  t.is(await cache.get(SHA, 'other.handler'), undefined, 'the discriminator is part of the key');
  t.is(await cache.get(`${SHA}x`, HANDLER), undefined);

  const key = cacheKey(SHA, HANDLER);
  t.regex(key, /^[0-9a-f]{64}$/);
  const file = join(dir, 'v1', key.slice(0, 2), `${key}.json`);
  t.is(entryPath(dir, key), file);
  const stored = JSON.parse(await readFile(file, 'utf8'));
  t.like(stored, { inspectorVersion: '0.1.0', sha256: SHA, discriminator: HANDLER, value: FINDINGS });
  t.false(Number.isNaN(Date.parse(stored.createdAt)));
  // Overwrite, and no temp files left behind.
  await cache.set(SHA, HANDLER, { ...FINDINGS, errors: ['x'] });
  t.deepEqual(await cache.get(SHA, HANDLER), { ...FINDINGS, errors: ['x'] });
  t.deepEqual(await readdir(join(dir, 'v1', key.slice(0, 2))), [`${key}.json`]);
  // Falsy values are values.
  await cache.set(SHA, 'null', null);
  await cache.set(SHA, 'zero', 0);
  t.is(await cache.get(SHA, 'null'), null);
  t.is(await cache.get(SHA, 'zero'), 0);
  await t.throwsAsync(cache.set(SHA, 'undef', undefined), { instanceOf: TypeError });
});

test('file modes: directories 0700, files 0600', async (t) => {
  if (process.platform === 'win32') { t.pass('POSIX modes only'); return; }
  const root = await tempRoot(t);
  const dir = join(root, 'cache');
  await openFindingsCache(dir, '0.1.0').set(SHA, HANDLER, FINDINGS);
  const key = cacheKey(SHA, HANDLER);
  for (const d of [dir, join(dir, 'v1'), join(dir, 'v1', key.slice(0, 2))]) t.is((await stat(d)).mode & 0o777, 0o700, d);
  t.is((await stat(entryPath(dir, key))).mode & 0o777, 0o600);
});

test('another inspector version is a miss; writing again replaces the entry', async (t) => {
  const dir = join(await tempRoot(t), 'cache');
  await openFindingsCache(dir, '0.1.0').set(SHA, HANDLER, FINDINGS);
  const upgraded = openFindingsCache(dir, '0.2.0');
  t.is(await upgraded.get(SHA, HANDLER), undefined);
  await upgraded.set(SHA, HANDLER, { fresh: true });
  t.deepEqual(await upgraded.get(SHA, HANDLER), { fresh: true });
  t.is(await openFindingsCache(dir, '0.1.0').get(SHA, HANDLER), undefined);
});

test('an entry whose stored sha256 or discriminator differs from the request is a miss', async (t) => {
  const dir = join(await tempRoot(t), 'cache');
  const cache = openFindingsCache(dir, '0.1.0');
  await cache.set(SHA, HANDLER, FINDINGS);
  const file = entryPath(dir, cacheKey(SHA, HANDLER));
  const entry = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...entry, sha256: 'someone-else' }));
  t.is(await cache.get(SHA, HANDLER), undefined);
  await writeFile(file, JSON.stringify({ ...entry, discriminator: 'other' }));
  t.is(await cache.get(SHA, HANDLER), undefined);
  await writeFile(file, JSON.stringify(entry));
  t.deepEqual(await cache.get(SHA, HANDLER), FINDINGS);
});

test('corrupt or unreadable entries are misses, never errors', async (t) => {
  const dir = join(await tempRoot(t), 'cache');
  const cache = openFindingsCache(dir, '0.1.0');
  await cache.set(SHA, HANDLER, FINDINGS);
  const file = entryPath(dir, cacheKey(SHA, HANDLER));
  for (const junk of ['', '{', '{"inspectorVersion":"0.1.0"', 'null', '[]', '42', '{"inspectorVersion":"0.1.0","sha256":"x"}', '\u0000\u0001binary']) {
    await writeFile(file, junk);
    t.is(await cache.get(SHA, HANDLER), undefined, JSON.stringify(junk));
  }
  const { value: _v, ...noValue } = { inspectorVersion: '0.1.0', sha256: SHA, discriminator: HANDLER, createdAt: new Date().toISOString(), value: 1 };
  await writeFile(file, JSON.stringify(noValue));
  t.is(await cache.get(SHA, HANDLER), undefined, 'an entry without value');
  // A directory where the file should be.
  await rm(file);
  await mkdir(file);
  t.is(await cache.get(SHA, HANDLER), undefined);
  await rm(file, { recursive: true });
  // A file that cannot be read (root reads anything, so only check as a user).
  if (process.platform !== 'win32' && process.getuid?.() !== 0) {
    await cache.set(SHA, HANDLER, FINDINGS);
    await chmod(file, 0o000);
    t.is(await cache.get(SHA, HANDLER), undefined);
    await chmod(file, 0o600);
  }
  // A cache directory that is not there at all.
  t.is(await openFindingsCache(join(dir, 'nowhere'), '0.1.0').get(SHA, HANDLER), undefined);
});

test('hostile sha256 and discriminator strings never become paths', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'cache');
  const cache = openFindingsCache(dir, '0.1.0');
  const hostile: Array<[string, string]> = [
    [SHA, '../../etc/passwd'], ['../../../../tmp/x', HANDLER], ['/etc/shadow', '..\\..\\windows\\system32'],
    [SHA, 'a\0b'], [SHA, `${'x'.repeat(10000)}/`], ['', ''],
  ];
  for (const [sha, disc] of hostile) {
    await cache.set(sha, disc, { sha, disc: disc.slice(0, 20) });
    t.deepEqual(await cache.get(sha, disc), { sha, disc: disc.slice(0, 20) });
  }
  t.deepEqual(await readdir(root), ['cache'], 'nothing written outside the cache directory');
  const files = (await walk(dir)).map((p) => relative(dir, p).split(sep));
  for (const parts of files) {
    t.is(parts[0], 'v1');
    if (parts.length >= 2) t.regex(parts[1]!, /^[0-9a-f]{2}$/);
    if (parts.length === 3) t.regex(parts[2]!, /^[0-9a-f]{64}\.json$/);
    t.true(parts.length <= 3);
  }
  t.is(files.filter((p) => p.length === 3).length, hostile.length);
});

test('refuses to store presigned URL or session token material', async (t) => {
  const dir = join(await tempRoot(t), 'cache');
  const cache = openFindingsCache(dir, '0.1.0');
  const presigned = 'https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/123/fn-abc?X-Amz-Security-Token=IQoJb3JpZ2luX2VjE&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0123abcd';
  await t.throwsAsync(cache.set(SHA, HANDLER, { location: presigned }), { instanceOf: CacheRefusedError });
  await t.throwsAsync(cache.set(SHA, HANDLER, { nested: [{ note: 'X-Amz-Signature=abc' }] }), { instanceOf: CacheRefusedError });
  await t.throwsAsync(cache.set(SHA, HANDLER, { header: 'x-amz-security-token: abc' }), { instanceOf: CacheRefusedError });
  await t.throwsAsync(cache.set(SHA, 'X-Amz-Signature', FINDINGS), { instanceOf: CacheRefusedError }, 'the discriminator is stored too');
  t.is(await cache.get(SHA, HANDLER), undefined);
  await t.throwsAsync(readdir(dir), { code: 'ENOENT' }, 'nothing written');
});

test('concurrent writers of one key leave one whole entry', async (t) => {
  const dir = join(await tempRoot(t), 'cache');
  const cache = openFindingsCache(dir, '0.1.0');
  const values = Array.from({ length: 20 }, (_, i) => ({ i, pad: 'x'.repeat(50_000) }));
  await Promise.all(values.map((v) => cache.set(SHA, HANDLER, v)));
  const got = await cache.get<{ i: number; pad: string }>(SHA, HANDLER);
  t.truthy(got);
  t.deepEqual(got, values[got!.i]);
  const key = cacheKey(SHA, HANDLER);
  t.deepEqual(await readdir(join(dir, 'v1', key.slice(0, 2))), [`${key}.json`]);
});

test('defaultCacheDir per platform', (t) => {
  t.is(defaultCacheDir({}, 'linux', '/home/u'), '/home/u/.cache/rotation-inspector');
  t.is(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/u' }, 'linux', '/home/u'), '/var/cache/u/rotation-inspector');
  t.is(defaultCacheDir({ XDG_CACHE_HOME: 'relative/dir' }, 'linux', '/home/u'), '/home/u/.cache/rotation-inspector', 'a relative XDG_CACHE_HOME is ignored');
  t.is(defaultCacheDir({ XDG_CACHE_HOME: '' }, 'freebsd', '/home/u'), '/home/u/.cache/rotation-inspector');
  t.is(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, 'darwin', '/Users/u'), '/Users/u/Library/Caches/rotation-inspector');
  t.is(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\rotation-inspector\\Cache');
  t.is(defaultCacheDir({}, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\rotation-inspector\\Cache');
  t.is(typeof defaultCacheDir(), 'string');
});
