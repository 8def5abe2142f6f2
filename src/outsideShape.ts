/**
 * Checks a value read back from outside (an AWS answer, a cache entry)
 * against the shape the code relies on, before any of it is used. The
 * answer names the first field that differs: "expected a number at
 * Configuration.CodeSize, found a string".
 */
export type Shape =
  | 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'unknown'
  | { array: Shape; max?: number }
  | { record: Shape }
  | { object: Record<string, Shape>; optional?: readonly string[] }
  | { nullable: Shape }
  | { oneOf: readonly string[] };

function describeShape(shape: Shape): string {
  if (typeof shape === 'string') return shape === 'integer' ? 'a whole number' : shape === 'date' ? 'a date' : shape === 'unknown' ? 'anything' : `a ${shape}`;
  if ('array' in shape) return 'an array';
  if ('record' in shape) return 'an object';
  if ('object' in shape) return 'an object';
  if ('nullable' in shape) return `${describeShape(shape.nullable)} or null`;
  return `one of ${shape.oneOf.map((s) => JSON.stringify(s)).join(', ')}`;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : Number.isNaN(v) ? 'NaN' : 'a number';
  if (typeof v === 'string') return v.length <= 20 && /^[\w .:/-]*$/.test(v) ? `the string "${v}"` : 'a string';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** Null when `value` has `shape`; else "expected X at PATH, found Y". */
export function shapeProblem(value: unknown, shape: Shape, path = ''): string | null {
  const wrong = () => `expected ${describeShape(shape)}${path ? ` at ${path}` : ''}, found ${describeValue(value)}`;
  if (typeof shape === 'string') {
    switch (shape) {
      case 'unknown': return null;
      case 'string': return typeof value === 'string' ? null : wrong();
      case 'boolean': return typeof value === 'boolean' ? null : wrong();
      case 'number': return typeof value === 'number' && !Number.isNaN(value) ? null : wrong();
      case 'integer': return Number.isSafeInteger(value) && (value as number) >= 0 ? null : wrong();
      case 'date': return value instanceof Date && !Number.isNaN(value.getTime()) ? null : wrong();
    }
  }
  if ('nullable' in shape) return value === null ? null : shapeProblem(value, shape.nullable, path);
  if ('oneOf' in shape) return typeof value === 'string' && shape.oneOf.includes(value) ? null : wrong();
  if ('array' in shape) {
    if (!Array.isArray(value)) return wrong();
    if (shape.max !== undefined && value.length > shape.max) return `expected at most ${shape.max} items${path ? ` at ${path}` : ''}, found ${value.length}`;
    for (let i = 0; i < value.length; i++) {
      const p = shapeProblem(value[i], shape.array, join(path, i));
      if (p) return p;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return wrong();
  const o = value as Record<string, unknown>;
  if ('record' in shape) {
    for (const [k, v] of Object.entries(o)) {
      const p = shapeProblem(v, shape.record, join(path, k));
      if (p) return p;
    }
    return null;
  }
  const optional = new Set(shape.optional ?? []);
  for (const [k, s] of Object.entries(shape.object)) {
    if (o[k] === undefined && optional.has(k)) continue;
    const p = shapeProblem(o[k], s, join(path, k));
    if (p) return p;
  }
  return null;
}
