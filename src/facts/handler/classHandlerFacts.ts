import { ROTATION_STEPS, asksSslmode, engineNamed, turnsSslmodeOff, type DriverImport, type Engine, type HandlerFacts } from './handlerFacts.js';

/**
 * What a compiled Java handler class says, from its string constants (a
 * class keeps every string literal, class name and property key it uses):
 * the rotation steps, pgjdbc (`org/postgresql/…` classes, `jdbc:postgresql:`
 * URLs), the engine it compares the secret's `engine` with, and TLS asked
 * for (`sslmode=verify-full` in a URL, or the keys `sslmode` / `ssl` set with
 * a mode as Properties) or turned off. There are no line numbers: evidence
 * names the class and the constant. Pure and linear in the constants.
 */
export function classHandlerFacts(path: string, constants: readonly string[]): HandlerFacts {
  const set = new Set(constants);
  const show = (c: string) => `${path}: "${c.length > 120 ? `${c.slice(0, 117)}...` : c}"`.replace(/[\u0000-\u001f]/g, '?');
  const steps = ROTATION_STEPS.filter((s) => set.has(s));
  const driverImports: DriverImport[] = [];
  const jdbc = constants.find((c) => c.startsWith('org/postgresql/') || c.startsWith('org.postgresql.') || c.startsWith('jdbc:postgresql:'));
  if (jdbc) driverImports.push({ name: 'pgjdbc', language: 'java', engine: 'postgresql', evidence: show(jdbc) });
  // Engine words count only beside the key "engine" (the secret's field), as in the templates.
  const engineLines = set.has('engine') ? constants.filter((c) => engineNamed(c) !== null) : [];
  const named = [...new Set(engineLines.map((c) => engineNamed(c)!))];
  const engine: Engine | null = named.length === 1 ? named[0]! : named.length === 0 && jdbc ? 'postgresql' : null;

  const tlsEvidence: string[] = [];
  const turnsTlsOff: string[] = [];
  for (const c of constants) {
    if (!/ssl/i.test(c)) continue;
    if (asksSslmode(c) || /[?&;]ssl=true\b/i.test(c)) tlsEvidence.push(show(c));
    else if (turnsSslmodeOff(c)) turnsTlsOff.push(show(c));
  }
  // Properties style: setProperty("sslmode", "verify-full") keeps the key and the value as two constants.
  if (set.has('sslmode')) {
    const mode = ['verify-full', 'verify-ca', 'require'].find((m) => set.has(m));
    const off = ['disable', 'allow'].find((m) => set.has(m));
    if (mode) tlsEvidence.push(`${show('sslmode')} with ${show(mode).slice(path.length + 2)}`);
    else if (off) turnsTlsOff.push(`${show('sslmode')} with ${show(off).slice(path.length + 2)}`);
  }
  return {
    path, alsoRead: [], language: 'java', isRotationHandler: steps.length === ROTATION_STEPS.length, steps,
    drivers: driverImports.map((d) => d.name), driverImports, engine,
    engineEvidence: engineLines.length > 0 ? engineLines.map(show) : driverImports.map((d) => d.evidence),
    asksForTls: tlsEvidence.length > 0, tlsEvidence, plainConnections: [], turnsTlsOff,
  };
}

/** "com.example.Rotation::handleRequest" (or without the method) → com/example/Rotation.class; null for other handler strings. */
export function javaHandlerClass(handler: string): string | null {
  const m = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(?:::[\w$]+)?$/.exec(handler);
  if (!m || (!handler.includes('::') && !/\.[A-Z][\w$]*$/.test(m[1]!))) return null;
  return `${m[1]!.replace(/\./g, '/')}.class`;
}
