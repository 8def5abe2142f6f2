/**
 * The keys a Python rotation handler reads from its secret's JSON, from its
 * own code: `secret_dict['host']` (any `<name>_dict[...]`) is a read; a key
 * tested with `'port' in secret_dict` or read with `.get('port', …)` is
 * optional, unless the test raises (`if 'engine' not in secret_dict …: raise`);
 * keys listed for a "missing" check (`for key in ('host', 'username'):` /
 * `required_fields = [...]` followed by `not in …_dict` and a raise) are
 * required. Pure: the handler's lines (comments blanked, strings kept) in.
 */
export interface SecretKeysRead {
  /** Read without a default: a secret without one of them makes the handler raise. */
  required: string[];
  /** Read only after a test or with a default. */
  optional: string[];
  /** Accepted `engine` values (`supported_engines = [...]`, or a `!= 'postgres'` comparison), when the code names them. */
  engines: string[];
}

const SUBSCRIPT = /\b\w*_dict\[\s*['"](\w+)['"]\s*\]/g;
const GET = /\b\w*_dict\.get\(\s*['"](\w+)['"]/g;
const IN_TEST = /['"](\w+)['"]\s+(not\s+)?in\s+\w*_dict\b/g;
const ASSIGNED = /\b\w*_dict\[\s*['"](\w+)['"]\s*\]\s*=(?!=)/;
const QUOTED = /['"]([\w-]+)['"]/g;

const quoted = (text: string): string[] => [...text.matchAll(QUOTED)].map((m) => m[1]!);

export function secretKeysRead(lines: readonly string[]): SecretKeysRead {
  const read = new Set<string>();
  const guarded = new Set<string>();
  const raisingGuard = new Set<string>();
  const lists = new Map<string, string[]>();
  const listed = new Set<string>();
  let engines: string[] = [];
  let enginesListed = false;
  lines.forEach((line, i) => {
    // This line and the two after it, built only for the few lines that test a key or loop over keys.
    const next = () => lines.slice(i, i + 3).join('\n');
    // Every key pattern below names a `…_dict`: most lines of a handler never reach a regular expression.
    const mentionsDict = line.includes('_dict');
    if (mentionsDict) {
      const assigned = ASSIGNED.exec(line)?.[1];
      for (const m of line.matchAll(SUBSCRIPT)) if (m[1] !== assigned || line.indexOf(m[0]) !== line.search(ASSIGNED)) read.add(m[1]!);
      for (const m of line.matchAll(GET)) guarded.add(m[1]!);
      for (const m of line.matchAll(IN_TEST)) {
        guarded.add(m[1]!);
        if (m[2] && /\braise\b/.test(next())) raisingGuard.add(m[1]!);
      }
    }
    const list = /^(\w+)\s*=\s*[[(]([^\])]*)[\])]/.exec(line);
    if (list) {
      lists.set(list[1]!, quoted(list[2]!));
      if (/engines/i.test(list[1]!)) { engines = quoted(list[2]!); enginesListed = true; }
    }
    // for key in ('host', 'username'): / for field in required_fields:, then `key not in secret_dict` and a raise
    const loop = /^for\s+(\w+)\s+in\s+(?:[[(]([^\])]*)[\])]|(\w+))\s*:/.exec(line);
    if (loop && new RegExp(`\\b${loop[1]}\\s+not\\s+in\\s+\\w*_dict\\b`).test(next()) && /\braise\b/.test(lines.slice(i, i + 4).join('\n'))) {
      for (const k of loop[2] !== undefined ? quoted(loop[2]) : lists.get(loop[3]!) ?? []) listed.add(k);
    }
    const cmp = mentionsDict && /\b\w*_dict(?:\[\s*['"]engine['"]\s*\]|\.get\(\s*['"]engine['"][^)]*\))\s*!=\s*['"]([\w-]+)['"]/.exec(line);
    if (cmp && !enginesListed && !engines.includes(cmp[1]!)) engines.push(cmp[1]!);
  });
  const required = new Set<string>([...listed, ...raisingGuard]);
  for (const k of read) if (!guarded.has(k)) required.add(k);
  const optional = [...new Set([...read, ...guarded])].filter((k) => !required.has(k));
  return { required: [...required].sort(), optional: optional.sort(), engines };
}
