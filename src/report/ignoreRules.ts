import type { CheckId } from '../checks/check.js';
import { readFileSync, statSync } from 'node:fs';
import { InspectError, describeError } from '../errors.js';
import type { IgnoredFinding, Report } from './report.js';

/**
 * Accepted risk, the way scanners keep it: an ignore file lists findings a team has accepted for a while, each
 * naming a function (its name, its ARN, or a glob over either), a check, a reason and an optional expiry day.
 *
 * ```yaml
 * # rotation-inspector ignore file
 * ignore:
 *   - function: SecretsManagerRDSPostgreSQLRotationSingleUser-legacy*
 *     check: scram
 *     reason: database keeps md5 passwords until the 2026 migration
 *     expires: 2026-06-30
 * ```
 *
 * JSON is the same shape (`{"ignore": [{…}]}`, or the bare list). Of YAML, the subset above is read: `#` comments,
 * one `ignore:` key (or a bare top-level list), list items of `key: value` pairs whose values are plain, 'single-'
 * or "double-quoted" scalars on one line. Anything else is an error naming the file and line, never a guess.
 */
export interface IgnoreRule {
  /** A function name, a function ARN, or a glob (`*`, `?`) matched against both. */
  function: string;
  check: CheckId;
  reason: string;
  /** YYYY-MM-DD; the entry applies through this day. */
  expires: string | null;
  /** "FILE:LINE", for messages. */
  entry: string;
}

export interface IgnoreOutcome {
  file: string;
  rules: number;
  /** Findings ignored (one per check per function). */
  applied: number;
  /** Entries past their expiry: they no longer apply. */
  expired: IgnoreRule[];
  /** Unexpired entries that matched no finding in this run. */
  unmatched: IgnoreRule[];
}

const CHECKS: readonly CheckId[] = ['scram', 'tls'];
const KEYS = ['function', 'check', 'reason', 'expires'] as const;

const bad = (where: string, cause: string) => new InspectError('bad-ignore-file', `${where}: ${cause}`);

function validDay(value: string): boolean {
  const m = /^\d{4}-\d{2}-\d{2}$/.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function toRule(raw: Record<string, unknown>, entry: string): IgnoreRule {
  for (const k of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(k)) throw bad(entry, `unknown key "${k}" (expected ${KEYS.join(', ')})`);
  }
  const str = (k: (typeof KEYS)[number]): string | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw bad(entry, `"${k}" must be a string`);
    return v.trim();
  };
  const fn = str('function');
  const check = str('check');
  const reason = str('reason');
  const expires = str('expires');
  if (!fn) throw bad(entry, 'an entry needs "function" (a name, an ARN or a glob)');
  if (!check || !(CHECKS as readonly string[]).includes(check)) throw bad(entry, `"check" must be one of ${CHECKS.join(', ')}${check ? `, not "${check}"` : ''}`);
  if (!reason) throw bad(entry, 'an entry needs a "reason"');
  if (expires !== undefined && !validDay(expires)) throw bad(entry, `"expires" must be a date of the form YYYY-MM-DD, not "${expires}"`);
  return { function: fn, check: check as CheckId, reason, expires: expires ?? null, entry };
}

function unquote(value: string, where: string): string {
  const v = value.trim();
  if (v.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(v)) throw bad(where, 'unterminated double-quoted value');
    try { return JSON.parse(v) as string; } catch { throw bad(where, 'bad escape in a double-quoted value'); }
  }
  if (v.startsWith('\'')) {
    if (!/^'(?:[^']|'')*'$/.test(v)) throw bad(where, 'unterminated single-quoted value');
    return v.slice(1, -1).replace(/''/g, '\'');
  }
  if (/^[[{&*!|>%@`]/.test(v)) throw bad(where, `"${v.slice(0, 20)}": only plain or quoted one-line values are read (see the README)`);
  // A plain scalar ends at " #" (a comment).
  return v.replace(/\s+#.*$/, '');
}

/** The documented YAML subset: see the module comment. */
function parseYamlSubset(text: string, file: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  let current: { raw: Record<string, unknown>; line: number; indent: number } | null = null;
  let listIndent: number | null = null;
  let sawKey = false;
  const flush = () => { if (current) rules.push(toRule(current.raw, `${file}:${current.line}`)); current = null; };
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const n = i + 1;
    const where = `${file}:${n}`;
    if (/^\s*(#.*)?$/.test(rawLine)) return;
    if (/\t/.test(rawLine.match(/^\s*/)![0])) throw bad(where, 'tabs are not allowed for indentation');
    const indent = rawLine.length - rawLine.trimStart().length;
    const body = rawLine.trim();
    if (body === '---') return;
    if (indent === 0 && /^ignore\s*:\s*(#.*)?$/.test(body)) {
      if (sawKey || listIndent !== null) throw bad(where, '"ignore:" may appear once, before the entries');
      sawKey = true;
      return;
    }
    const item = /^-(?:\s+(.*))?$/.exec(body);
    if (item) {
      if (listIndent === null) listIndent = indent;
      if (indent !== listIndent) throw bad(where, 'list items must line up');
      flush();
      const rest = item[1] ?? '';
      current = { raw: {}, line: n, indent: indent + 2 };
      if (rest) {
        const kv = /^([\w-]+)\s*:\s*(.*)$/.exec(rest);
        if (!kv) throw bad(where, 'expected "- key: value"');
        current.indent = indent + (body.length - rest.length);
        current.raw[kv[1]!] = unquote(kv[2]!, where);
      }
      return;
    }
    const kv = /^([\w-]+)\s*:\s*(.*)$/.exec(body);
    if (!kv || !current) throw bad(where, 'expected "ignore:", "- key: value" or "key: value" inside a list item');
    if (indent !== current.indent) throw bad(where, `"${kv[1]}" is not lined up with the keys of its entry`);
    if (kv[1]! in current.raw) throw bad(where, `"${kv[1]}" given twice in one entry`);
    if (kv[2]!.trim() === '') throw bad(where, `"${kv[1]}" has no value (nested values are not read)`);
    current.raw[kv[1]!] = unquote(kv[2]!, where);
  });
  flush();
  return rules;
}

function parseJson(text: string, file: string): IgnoreRule[] {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { throw bad(file, `not valid JSON: ${(e as Error).message.split('\n')[0]}`); }
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).ignore : undefined;
  if (!Array.isArray(list)) throw bad(file, 'expected {"ignore": [ … ]} or a list of entries');
  return list.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(`${file}: entry ${i + 1}`, 'an entry is an object');
    return toRule(raw as Record<string, unknown>, `${file}: entry ${i + 1}`);
  });
}

/** Reads an ignore file's text: JSON when it starts with `{` or `[`, else the YAML subset. */
export function parseIgnoreFile(text: string, file: string): IgnoreRule[] {
  const body = text.replace(/^\uFEFF/, '');
  return /^\s*[[{]/.test(body) ? parseJson(body, file) : parseYamlSubset(body, file);
}

function globToRegExp(glob: string): RegExp {
  const source = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's');
}

/** The function name and ARN of a report, as an entry may name them. */
function namesOf(r: Report): string[] {
  const names = [r.target.id];
  if (r.function) names.push(r.function.name, r.function.arn);
  const m = /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([^:]+)/.exec(r.target.id);
  if (m) names.push(m[1]!);
  return names;
}

/** Only findings are ignored: a check that fails, warns or cannot decide. */
const IS_FINDING = new Set(['fail', 'warn', 'unknown']);

/**
 * Marks each finding an unexpired entry names (report.ignored), report by report as they come, and keeps count.
 * `today` is YYYY-MM-DD (UTC); an entry applies through its expiry day.
 */
export function ignoreMatcher(rules: readonly IgnoreRule[], today: string, file: string) {
  const expired = rules.filter((rule) => rule.expires !== null && rule.expires < today);
  const live = rules.filter((rule) => !expired.includes(rule)).map((rule) => ({ rule, pattern: globToRegExp(rule.function) }));
  const used = new Set<IgnoreRule>();
  let applied = 0;
  return {
    apply(r: Report): void {
      const names = namesOf(r);
      for (const c of r.checks) {
        if (!IS_FINDING.has(c.status)) continue;
        const hit = live.find((x) => x.rule.check === c.id && names.some((n) => x.pattern.test(n)));
        if (!hit) continue;
        used.add(hit.rule);
        const finding: IgnoredFinding = { check: c.id, reason: hit.rule.reason, expires: hit.rule.expires, entry: hit.rule.entry };
        (r.ignored ??= []).push(finding);
        applied++;
      }
    },
    outcome(): IgnoreOutcome {
      return { file, rules: rules.length, applied, expired, unmatched: live.map((x) => x.rule).filter((rule) => !used.has(rule)) };
    },
  };
}

/** ignoreMatcher over a whole list of reports, in place. */
export function applyIgnoreRules(reports: readonly Report[], rules: readonly IgnoreRule[], today: string, file: string): IgnoreOutcome {
  const matcher = ignoreMatcher(rules, today, file);
  for (const r of reports) matcher.apply(r);
  return matcher.outcome();
}

/** The ignore entry that accepted this check of the report, if any. */
export function ignoredFinding(r: Report, check: CheckId): IgnoredFinding | undefined {
  return r.ignored?.find((i) => i.check === check);
}

/** Ignore files are small: anything larger is a mistake, not a list of accepted findings. */
const MAX_IGNORE_FILE_BYTES = 1 << 20;

/** Reads and parses an ignore file; a missing, oversized or malformed file is an error naming it. */
export function readIgnoreFile(path: string): IgnoreRule[] {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw bad(path, 'not a regular file');
    if (st.size > MAX_IGNORE_FILE_BYTES) throw bad(path, `${st.size} bytes, more than the ${MAX_IGNORE_FILE_BYTES} an ignore file may have`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof InspectError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : describeError(e));
  }
  return parseIgnoreFile(text, path);
}
