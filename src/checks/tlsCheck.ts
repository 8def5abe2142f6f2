import type { HandlerFacts } from '../facts/handler/handlerFacts.js';
import { type Check, REDEPLOY, TLS_CUTOFF, creationNote } from './check.js';
import type { CreatedFact } from './scramCheck.js';

/** Does the handler ever ask the database for TLS? */
export function tlsCheck(handler: HandlerFacts | null, created: CreatedFact, handlerError?: string): Check {
  const id = 'tls' as const;
  const remediation = `${REDEPLOY}; current templates connect with sslmode=require (or verify-full) and honour the secret's "ssl" key. Until then, a database that requires TLS (rds.force_ssl=1) refuses the rotation's connection.`;
  const { before, note: dateNote } = creationNote(created.date, TLS_CUTOFF, 'when AWS templates never asked for TLS', 'after AWS templates began to ask for TLS');

  if (handler?.asksForTls) {
    const binaryWins = before ? `${dateNote}, but the code wins.` : '';
    return {
      id, status: 'pass',
      summary: `The handler asks for TLS (${handler.tlsEvidence.length} place${handler.tlsEvidence.length === 1 ? '' : 's'}).${binaryWins}`,
      evidence: handler.tlsEvidence, remediation: '',
    };
  }
  if (handler?.isRotationHandler) {
    if (handler.engine !== null && handler.engine !== 'postgresql') {
      return { id, status: 'not-applicable', summary: `A ${handler.engine} rotation handler: this check covers PostgreSQL handlers.`, evidence: [`${handler.path}: drivers ${handler.drivers.join(', ')}`], remediation: '' };
    }
    const binaryWins = created.date !== null && !before ? `${dateNote}, but the code wins.` : dateNote ? `${dateNote}.` : '';
    return {
      id, status: 'fail',
      summary: `The rotation handler never asks for TLS: rotation fails against a database that requires it.${binaryWins}`,
      evidence: [`${handler.path}: no sslmode, ssl argument or "ssl" secret key`, ...handler.plainConnections], remediation,
    };
  }
  const why = handlerError ?? (handler ? `${handler.path} is not a Secrets Manager rotation handler (found ${handler.steps.length}/4 steps)` : 'no handler source in the bundle');
  if (before) return { id, status: 'warn', summary: `Cannot judge the handler (${why}).${dateNote}.`, evidence: [], remediation };
  return {
    id, status: 'unknown',
    summary: `Cannot judge the handler (${why})${created.date === null ? ', and the creation date is unknown' : ''}.`,
    evidence: [], remediation,
  };
}
