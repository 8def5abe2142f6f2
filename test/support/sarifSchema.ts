import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The official SARIF 2.1.0 JSON schema (2.1.0-rtm.5, draft-04), as Microsoft ships it in @microsoft/jest-sarif,
 * compiled with Ajv (draft-04 flavour) and its format checks (uri, uri-reference, date-time). The schema has one
 * pattern that is not a valid Unicode regular expression (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), hence
 * `unicodeRegExp: false`.
 */
const require = createRequire(import.meta.url);
// Both packages are CommonJS with the export on `.default`.
const Ajv = (require('ajv-draft-04') as typeof import('ajv-draft-04')).default;
const addFormats = (require('ajv-formats') as typeof import('ajv-formats')).default;
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The schema's complaints about a SARIF log, one line each; empty when it is valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e: { instancePath: string; message?: string; keyword: string; params: unknown }) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}
