import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';

/**
 * Per-bundle inspection results on disk, keyed by the code's SHA-256 and a
 * discriminator (the handler setting, say). A key is a hash, so no string
 * from a function ever becomes part of a path. An entry written by another
 * inspector version is a miss: upgrading invalidates the cache.
 */
export interface FindingsCache {
  readonly dir: string;
  /** The stored value, or undefined on a miss (absent, corrupt, unreadable, or from another version). Never rejects. */
  get<T>(sha256: string, discriminator: string): Promise<T | undefined>;
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

export function openFindingsCache(dir: string, inspectorVersion: string): FindingsCache {
  return {
    dir,
    async get<T>(sha256: string, discriminator: string): Promise<T | undefined> {
      try {
        const text = await readFile(entryPath(dir, cacheKey(sha256, discriminator)), 'utf8');
        const parsed: unknown = JSON.parse(text);
        if (!isEntry(parsed)) return undefined;
        if (parsed.inspectorVersion !== inspectorVersion || parsed.sha256 !== sha256 || parsed.discriminator !== discriminator) return undefined;
        return parsed.value as T;
      } catch {
        return undefined;
      }
    },
    async set<T>(sha256: string, discriminator: string, value: T): Promise<void> {
      const entry: Entry = { inspectorVersion, sha256, discriminator, createdAt: new Date().toISOString(), value };
      const json = JSON.stringify(entry);
      if (value === undefined || !json) throw new TypeError('findings cache: cannot store undefined');
      assertCacheable(json);
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
