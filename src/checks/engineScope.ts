import type { Engine, HandlerFacts } from '../facts/handler/handlerFacts.js';

/**
 * Which database the checks are about, from what the handler says. The
 * checks judge PostgreSQL (Aurora PostgreSQL included) and, for TLS only,
 * Redshift, which speaks PostgreSQL's protocol through the same libpq but
 * never authenticates with scram-sha-256 (its users' passwords are MD5 or
 * SHA-256 hashes). Every other engine is outside both checks.
 */
export type EngineScope =
  /** No handler, or not a rotation handler: the checks fall back on the binary and the creation date. */
  | { kind: 'no-handler' }
  | { kind: 'judged'; engine: 'postgresql' | 'redshift'; evidence: string[] }
  | { kind: 'other-engine'; engine: Engine; evidence: string[] }
  /** A rotation handler that imports no database driver and names no engine (ElastiCache users, the generic template). */
  | { kind: 'no-driver' }
  /** A rotation handler whose engine cannot be named (drivers or engine names that disagree). */
  | { kind: 'unnamed'; evidence: string[] };

export function engineScope(handler: HandlerFacts | null): EngineScope {
  if (!handler?.isRotationHandler) return { kind: 'no-handler' };
  const evidence = handler.engineEvidence ?? [];
  if (handler.engine === 'postgresql' || handler.engine === 'redshift') return { kind: 'judged', engine: handler.engine, evidence };
  if (handler.engine !== null) return { kind: 'other-engine', engine: handler.engine, evidence };
  if (handler.drivers.length === 0 && evidence.length === 0) return { kind: 'no-driver' };
  return { kind: 'unnamed', evidence };
}

const ENGINE_LABEL: Record<Engine, string> = {
  postgresql: 'PostgreSQL', redshift: 'Redshift', mysql: 'MySQL', mariadb: 'MariaDB', oracle: 'Oracle', sqlserver: 'SQL Server',
  mongodb: 'MongoDB/DocumentDB', db2: 'Db2', influxdb: 'InfluxDB', redis: 'ElastiCache/Redis',
};
export const engineLabel = (e: Engine) => ENGINE_LABEL[e];
