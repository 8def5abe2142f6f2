import { ignoredFinding } from '../report/ignoreRules.js';
import type { Report } from '../report/report.js';
import { wrap } from './layout.js';
import { showOutsideText as shown } from './outsideText.js';
import { STATUS_LABEL } from './summary.js';
import type { Style } from './style.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Where verdict text starts: "  FAIL    scram  " */
const VERDICT_INDENT = ' '.repeat(17);
const FIX_INDENT = ' '.repeat(10);

/**
 * A report for people: what was read, what was found, each verdict and its fix. Every piece of text from the
 * bundle or from AWS is shown escaped. On a terminal (`width`) summaries and fixes wrap at word boundaries with a
 * hanging indent; elsewhere each stays on one line.
 */
export function renderTable(r: Report, style: Style, width?: number): string {
  const out: string[] = [];
  const read = r.target.size !== undefined && r.target.bytesRead !== undefined ? `, read ${bytes(r.target.bytesRead)} of ${bytes(r.target.size)}` : '';
  out.push(style.bold(shown(r.target.id)) + style.dim(` (${r.target.type}${read})`));
  if (r.function) {
    const f = r.function;
    out.push(`  function  ${shown(f.runtime ?? f.packageType)} ${shown(f.architectures.join(','))}, handler ${shown(f.handler ?? '-')}, ${f.layers.length} layer(s)`);
  }
  const c = r.created;
  const app = c.source === 'cloudformation' && c.application
    ? `, application ${shown(c.application.id.slice(c.application.id.lastIndexOf('/') + 1))}${c.application.semanticVersion ? ` ${shown(c.application.semanticVersion)}` : ''}`
    : '';
  out.push(`  created   ${c.date ? `${shown(c.date)} (${c.source === 'cloudformation' ? `stack ${shown(c.stack)}${app}` : '--created'})` : style.dim(`unknown: ${'note' in c ? shown(c.note ?? '') : ''}`)}`);
  // Nothing was read (the target could not be opened): the error below says why, once.
  const nothingRead = r.libraries.length === 0 && r.handler === null && r.errors.length > 0 && r.checks.every((ch) => ch.status === 'unknown');
  if (r.libraries.length === 0 && !nothingRead) out.push(`  libpq     ${style.dim('none found')}`);
  for (const l of r.libraries) {
    // live: where Lambda puts the file; offline: where it is in the bundle
    const where = shown(r.target.type === 'function' ? l.installPath ?? l.path : l.path);
    if (l.error) { out.push(`  libpq     ${where}  ${style.status('fail', 'unreadable')}: ${shown(l.error)}`); continue; }
    const v = shown(l.version.value ?? (l.version.atLeast !== null ? `>=${l.version.atLeast}` : 'version unknown'));
    const how = l.version.evidence.map((e) => shown(e.source)).join(', ');
    const loaded = r.loader?.loads && r.loader.loads === (l.installPath ?? l.path) && r.libraries.length > 1 ? '  <- loaded' : '';
    const layer = l.layer ? style.dim(` (layer ${shown(l.layer.slice(l.layer.indexOf(':layer:') + 7))})`) : '';
    out.push(`  libpq     ${where}${layer}${l.aliases.length ? ` (+${l.aliases.length} alias)` : ''}  ${shown(l.machine ?? '?')}  ${style.bold(v)}${how ? style.dim(`  [${how}]`) : ''}${loaded}`);
    if (l.tls) out.push(style.dim(`            ${l.linkage === 'static' ? `built into ${shown(l.driver ?? 'a module')}; ` : ''}TLS: ${l.tls.capable ? `built with OpenSSL${l.tls.openssl?.version ? ` (${shown(l.tls.openssl.version)})` : ''}` : 'no OpenSSL, cannot do TLS'}`));
    for (const conflict of l.version.conflicts) out.push(`            ${style.status('warn', 'conflict')}: ${shown(conflict)}`);
  }
  // PostgreSQL drivers other than libpq (node-postgres, pg8000, pgjdbc, lib/pq, …) with the record that gave the version.
  for (const d of r.drivers ?? []) {
    out.push(`  driver    ${shown(d.name)} ${style.bold(shown(d.version ?? 'version unknown'))}${style.dim(`  [${shown(d.evidence.path)}: ${shown(d.evidence.field)}]`)}${d.reason && d.version === null ? `: ${shown(d.reason)}` : ''}`);
  }
  const h = r.handler;
  if (h) {
    const kind = h.isRotationHandler ? 'rotation handler' : `not a rotation handler (${h.steps.length}/4 steps)`;
    out.push(`  handler   ${shown(h.path)}: ${kind}, ${shown(h.engine ?? 'engine not named')}, ${shown(h.drivers.join(', ')) || 'no known driver'}, TLS ${h.asksForTls ? 'asked for' : 'never asked for'}`);
  } else if (!nothingRead) {
    // A handler that was found but could not be read (over the size cap, corrupt) is not "not found".
    const libraryPaths = new Set(r.libraries.flatMap((l) => [l.path, ...l.aliases]));
    const unread = r.errors.find((e) => e.path !== undefined && e.path !== r.target.id && !libraryPaths.has(e.path));
    out.push(`  handler   ${unread ? `${shown(unread.path!)}: ${style.status('warn', 'not read')} (${shown(unread.code)}, see error)` : style.dim('not found')}`);
  }
  for (const ch of r.checks) {
    const ignored = ignoredFinding(r, ch.id);
    const label = `  ${(STATUS_LABEL[ch.status] ?? ch.status).padEnd(7)} ${ch.id.padEnd(6)} `;
    const lines = wrap(shown(ch.summary), width, label, VERDICT_INDENT);
    out.push(`  ${style.status(ch.status, (STATUS_LABEL[ch.status] ?? ch.status).padEnd(7))}${lines[0]!.slice(9)}`, ...lines.slice(1));
    if (ignored) {
      out.push(...wrap(`ignored: ${shown(ignored.reason)} (${shown(ignored.entry)}${ignored.expires ? `, until ${ignored.expires}` : ''})`, width, FIX_INDENT, `${FIX_INDENT}  `).map((l) => style.dim(l)));
    }
    if (ch.remediation && (ch.status === 'fail' || ch.status === 'warn')) out.push(...wrap(`fix: ${shown(ch.remediation)}`, width, FIX_INDENT, `${FIX_INDENT}     `));
  }
  for (const e of r.errors) {
    const lines = wrap(shown(e.message), width, '  error   ', FIX_INDENT);
    out.push(`  ${style.status('fail', 'error')}${lines[0]!.slice(7)}`, ...lines.slice(1));
  }
  for (const w of r.warnings ?? []) {
    const lines = wrap(shown(w.message), width, '  warning ', FIX_INDENT);
    out.push(`  ${style.status('warn', 'warning')}${lines[0]!.slice(9)}`, ...lines.slice(1));
  }
  return `${out.join('\n')}\n`;
}
