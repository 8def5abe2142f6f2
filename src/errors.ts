/**
 * The one error type the inspector raises on bad input. `code` is stable and
 * machine-readable (fixtures under test/fixtures are named after it); the
 * message names the input and the cause in one line, and never carries a
 * credential, a secret value or the query string of a presigned URL.
 */
export class InspectError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  constructor(code: string, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InspectError';
    this.code = code;
    this.path = options?.path;
  }
}

export function isInspectError(e: unknown): e is InspectError {
  return e instanceof InspectError;
}

/** One line describing any thrown value, for reports and stderr. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e).split('\n')[0] ?? 'unknown error';
}
