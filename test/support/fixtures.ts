import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const SAMPLES = join(ROOT, 'samples');
export const SAMPLE_94 = join(SAMPLES, 'postgres-9.4-rotation.zip');
export const SAMPLE_10 = join(SAMPLES, 'postgres-10-rotation.zip');

export function fixtureFiles(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir)).filter((f) => !f.endsWith('.md')).sort().map((f) => join(FIXTURES, dir, f));
}

export interface LibpqTruth {
  file: string; machine: string; class: 32 | 64; endianness: 'little' | 'big'; soname: string;
  runpath: string[] | null; rpath: string[] | null; needed: string[]; version: string; pqlibversion: number;
  exportedFunctions: number;
}

export function libpqTruth(): LibpqTruth[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'libpq', 'truth.json'), 'utf8')) as LibpqTruth[];
}
