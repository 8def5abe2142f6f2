import type { Report } from '../report/report.js';
import type { Style } from './style.js';

const LABEL: Record<string, string> = { fail: 'FAIL', warn: 'WARN', unknown: 'UNKNOWN', pass: 'PASS', 'not-applicable': 'N/A' };

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A report for people: what was read, what was found, each verdict and its fix. */
export function renderTable(r: Report, style: Style): string {
  const out: string[] = [];
  const read = r.target.size !== undefined && r.target.bytesRead !== undefined ? `, read ${bytes(r.target.bytesRead)} of ${bytes(r.target.size)}` : '';
  out.push(style.bold(`${r.target.id}`) + style.dim(` (${r.target.type}${read})`));
  if (r.function) {
    const f = r.function;
    out.push(`  function  ${f.runtime ?? f.packageType} ${f.architectures.join(',')}, handler ${f.handler ?? '-'}, ${f.layers.length} layer(s)`);
  }
  const c = r.created;
  const app = c.source === 'cloudformation' && c.application
    ? `, application ${c.application.id.slice(c.application.id.lastIndexOf('/') + 1)}${c.application.semanticVersion ? ` ${c.application.semanticVersion}` : ''}`
    : '';
  out.push(`  created   ${c.date ? `${c.date} (${c.source === 'cloudformation' ? `stack ${c.stack}${app}` : '--created'})` : style.dim(`unknown: ${'note' in c ? c.note : ''}`)}`);
  // Nothing was read (the target could not be opened): the error below says why, once.
  const nothingRead = r.libraries.length === 0 && r.handler === null && r.errors.length > 0 && r.checks.every((ch) => ch.status === 'unknown');
  if (r.libraries.length === 0 && !nothingRead) out.push(`  libpq     ${style.dim('none found')}`);
  for (const l of r.libraries) {
    // live: where Lambda puts the file; offline: where it is in the bundle
    const where = r.target.type === 'function' ? l.installPath ?? l.path : l.path;
    if (l.error) { out.push(`  libpq     ${where}  ${style.status('fail', 'unreadable')}: ${l.error}`); continue; }
    const v = l.version.value ?? (l.version.atLeast !== null ? `>=${l.version.atLeast}` : 'version unknown');
    const how = l.version.evidence.map((e) => e.source).join(', ');
    const loaded = r.loader?.loads && r.loader.loads === (l.installPath ?? l.path) && r.libraries.length > 1 ? '  <- loaded' : '';
    const layer = l.layer ? style.dim(` (layer ${l.layer.slice(l.layer.indexOf(':layer:') + 7)})`) : '';
    out.push(`  libpq     ${where}${layer}${l.aliases.length ? ` (+${l.aliases.length} alias)` : ''}  ${l.machine ?? '?'}  ${style.bold(v)}${how ? style.dim(`  [${how}]`) : ''}${loaded}`);
    if (l.tls) out.push(style.dim(`            ${l.linkage === 'static' ? `built into ${l.driver ?? 'a module'}; ` : ''}TLS: ${l.tls.capable ? `built with OpenSSL${l.tls.openssl?.version ? ` (${l.tls.openssl.version})` : ''}` : 'no OpenSSL, cannot do TLS'}`));
    for (const conflict of l.version.conflicts) out.push(`            ${style.status('warn', 'conflict')}: ${conflict}`);
  }
  const h = r.handler;
  if (h) {
    const kind = h.isRotationHandler ? 'rotation handler' : `not a rotation handler (${h.steps.length}/4 steps)`;
    out.push(`  handler   ${h.path}: ${kind}, ${h.engine ?? 'engine not named'}, ${h.drivers.join(', ') || 'no known driver'}, TLS ${h.asksForTls ? 'asked for' : 'never asked for'}`);
  } else if (!nothingRead) {
    // A handler that was found but could not be read (over the size cap, corrupt) is not "not found".
    const libraryPaths = new Set(r.libraries.flatMap((l) => [l.path, ...l.aliases]));
    const unread = r.errors.find((e) => e.path !== undefined && e.path !== r.target.id && !libraryPaths.has(e.path));
    out.push(`  handler   ${unread ? `${unread.path}: ${style.status('warn', 'not read')} (${unread.code}, see error)` : style.dim('not found')}`);
  }
  for (const ch of r.checks) {
    out.push(`  ${style.status(ch.status, (LABEL[ch.status] ?? ch.status).padEnd(7))} ${ch.id.padEnd(6)} ${ch.summary}`);
    if (ch.remediation && (ch.status === 'fail' || ch.status === 'warn')) out.push(`          ${style.dim(`fix: ${ch.remediation}`)}`);
  }
  for (const e of r.errors) out.push(`  ${style.status('fail', 'error')}   ${e.message}`);
  for (const w of r.warnings ?? []) out.push(`  ${style.status('warn', 'warning')} ${w.message}`);
  return `${out.join('\n')}\n`;
}
