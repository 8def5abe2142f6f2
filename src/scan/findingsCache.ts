import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { describeError } from '../errors.js';

/**
 * Per-bundle inspection results on disk, keyed by the code's SHA-256 and a
 * discriminator (the handler setting, say). A key is a hash, so no string
 * from a function ever becomes part of a path. An entry written by another
 * inspector version is a miss: upgrading invalidates the cache.
 */
export interface FindingsCache {
  readonly dir: string;
  /**
   * Why the cache is not used, once that is known (undefined: it is used).
   * The directory must be a real directory (not a symlink) owned by the
   * current user and not writable by group or others; otherwise another user
   * could plant a verdict, and every get is a miss and every set a no-op.
   */
  readonly refused: Promise<string | undefined>;
  /**
   * The stored value, or undefined on a miss (absent, corrupt, unreadable, from another version, or refused by
   * `accept`, which checks the value field by field and may repair it). Never rejects.
   */
  get<T>(sha256: string, discriminator: string, accept?: (value: unknown) => T | undefined): Promise<T | undefined>;
  /** Stores atomically. Rejects when the value holds presigned-URL material, or on I/O failure. */
  set<T>(sha256: string, discriminator: string, value: T): Promise<void>;
}

interface Entry {
  inspectorVersion: string;
  sha256: string;
  discriminator: string;
  createdAt: string;
  value: unknown;
}

export const CACHE_LAYOUT = 'v1';
const APP = 'rotation-inspector';

/** Query parameters of presigned S3 URLs and of temporary credentials: never written to disk. */
const PRESIGNED = /X-Amz-(?:Signature|Security-Token|Credential)/i;

export class CacheRefusedError extends Error {
  override readonly name = 'CacheRefusedError';
}

/** Throws when serialised cache content carries presigned-URL or credential material. */
export function assertCacheable(json: string): void {
  if (PRESIGNED.test(json)) throw new CacheRefusedError('findings cache: refusing to store a value that holds presigned URL or credential material (X-Amz-Signature / X-Amz-Security-Token)');
}

export function cacheKey(sha256: string, discriminator: string): string {
  return createHash('sha256').update(`${sha256}\0${discriminator}`).digest('hex');
}

/** Where the entry for a key lives: <dir>/v1/<first 2 hex>/<key>.json. */
export function entryPath(dir: string, key: string): string {
  return join(dir, CACHE_LAYOUT, key.slice(0, 2), `${key}.json`);
}

function isEntry(x: unknown): x is Entry {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const e = x as Record<string, unknown>;
  return typeof e.inspectorVersion === 'string' && typeof e.sha256 === 'string' && typeof e.discriminator === 'string' &&
    typeof e.createdAt === 'string' && Object.prototype.hasOwnProperty.call(e, 'value');
}

/** Largest entry read back: findings of one bundle are a few KiB; anything far larger was not written by us. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

/** Why a directory (or a file in it) is not safe to trust, or undefined. POSIX only; Windows ACLs are not modes. */
function untrusted(path: string, st: Stats, want: 'directory' | 'file'): string | undefined {
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (want === 'directory' ? !st.isDirectory() : !st.isFile()) return `${path} is not a ${want === 'directory' ? 'directory' : 'regular file'}`;
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return undefined;
  if (st.uid !== process.getuid()) return `${path} belongs to another user (uid ${st.uid})`;
  if (st.mode & 0o022) return `${path} is writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')})`;
  return undefined;
}

/** Why the cache directory is not to be trusted; undefined when it is, or does not exist yet (set creates it 0700). */
async function checkCacheDir(dir: string): Promise<string | undefined> {
  try {
    for (const d of [dir, join(dir, CACHE_LAYOUT)]) {
      const st = await lstat(d).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return undefined; throw e; });
      const why = st && untrusted(d, st, 'directory');
      if (why) return why;
    }
    return undefined;
  } catch (e) {
    return `${dir} cannot be used (${(e as NodeJS.ErrnoException).code ?? describeError(e)})`;
  }
}

export function openFindingsCache(dir: string, inspectorVersion: string): FindingsCache {
  let refusal: Promise<string | undefined> | undefined;
  const refused = () => (refusal ??= checkCacheDir(dir));
  return {
    dir,
    get refused() { return refused(); },
    async get<T>(sha256: string, discriminator: string, accept?: (value: unknown) => T | undefined): Promise<T | undefined> {
      if (await refused()) return undefined;
      let fd: FileHandle | undefined;
      try {
        const file = entryPath(dir, cacheKey(sha256, discriminator));
        // O_NOFOLLOW: a planted symlink is not followed; the file itself must be ours and ours alone.
        fd = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
        const st = await fd.stat();
        if (untrusted(file, st, 'file') || st.size > MAX_ENTRY_BYTES) return undefined;
        const parsed: unknown = JSON.parse(await fd.readFile('utf8'));
        if (!isEntry(parsed)) return undefined;
        if (parsed.inspectorVersion !== inspectorVersion || parsed.sha256 !== sha256 || parsed.discriminator !== discriminator) return undefined;
        return accept ? accept(parsed.value) : parsed.value as T;
      } catch {
        return undefined;
      } finally {
        await fd?.close().catch(() => {});
      }
    },
    async set<T>(sha256: string, discriminator: string, value: T): Promise<void> {
      if (await refused()) return;
      const entry: Entry = { inspectorVersion, sha256, discriminator, createdAt: new Date().toISOString(), value };
      const json = JSON.stringify(entry);
      if (value === undefined || !json) throw new TypeError('findings cache: cannot store undefined');
      assertCacheable(json);
      if (!existsSync(dir)) {
        // Created now: check what was really made (a directory planted in between is refused, not used).
        await mkdir(dir, { recursive: true, mode: 0o700 });
        refusal = checkCacheDir(dir);
        if (await refusal) return;
      }
      const key = cacheKey(sha256, discriminator);
      const file = entryPath(dir, key);
      const sub = join(dir, CACHE_LAYOUT, key.slice(0, 2));
      await mkdir(sub, { recursive: true, mode: 0o700 });
      const tmp = join(sub, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(tmp, `${json}\n`, { mode: 0o600, flag: 'wx' });
        await rename(tmp, file);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },
  };
}

/**
 * The per-user cache directory: $XDG_CACHE_HOME/rotation-inspector or
 * ~/.cache/rotation-inspector (Linux and other Unixes),
 * ~/Library/Caches/rotation-inspector (macOS),
 * %LOCALAPPDATA%\rotation-inspector\Cache (Windows).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA && win32.isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : win32.join(home, 'AppData', 'Local');
    return win32.join(local, APP, 'Cache');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', APP);
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const xdg = env.XDG_CACHE_HOME;
  return xdg && posix.isAbsolute(xdg) ? posix.join(xdg, APP) : posix.join(home, '.cache', APP);
}
