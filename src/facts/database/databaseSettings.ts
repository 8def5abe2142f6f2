/**
 * The two settings of a PostgreSQL database that decide whether an old
 * rotation function can log in: password_encryption (SCRAM or md5) and
 * rds.force_ssl (TLS required). Pure: what RDS said in, settings out.
 *
 * Engine defaults (Amazon RDS / Aurora user guides, 06/2023):
 * - RDS PostgreSQL password_encryption: scram-sha-256 from 14, md5 up to 13.
 * - Aurora PostgreSQL password_encryption: scram-sha-256 from 14, md5 up to 13.
 * - RDS PostgreSQL rds.force_ssl: 1 from 15, 0 up to 14.
 * - Aurora PostgreSQL rds.force_ssl: 0 (the 06/2023 guide; later versions unverified).
 */

export type SettingSource = 'engine-default' | 'parameter-group';

export interface Setting {
  value: string | null;
  source: SettingSource;
  /** The parameter group the value was read from (or whose default it is). */
  group?: string;
  note?: string;
  /** True when the group could not be read and the engine default is only assumed: not proof. */
  assumed?: true;
}

export type DatabaseSource = 'secret-host' | 'flag' | 'inferred';

/** Which database, as RDS names it. */
export interface DatabaseIdentity {
  identifier: string;
  kind: 'instance' | 'cluster';
  engine: string;
  engineVersion: string;
  endpoint: string | null;
  port: number | null;
}

export interface DatabaseFacts extends DatabaseIdentity {
  passwordEncryption: Setting;
  forceSsl: Setting;
  /** How the database was found. */
  source: DatabaseSource;
  /** Inferred: the security-group rule that admits the function (e.g. `sg-db ingress sg-fn`), when it was checked. */
  admittedBy?: string;
  /** Why a setting could not be read (a denied DescribeDBParameters), when so. */
  note?: string;
}

/** One parameter as DescribeDBParameters / DescribeDBClusterParameters list it. */
export interface DbParameter {
  name: string;
  /** Absent when the parameter is not set in the group. */
  value?: string | undefined;
  /** "user" (set in this group), "system" or "engine-default". */
  source?: string | undefined;
}

/** What RDS said of the database. */
export interface DatabaseDescription extends DatabaseIdentity {
  /** The group that holds password_encryption and rds.force_ssl (the cluster group for Aurora). */
  parameterGroup: string | null;
  /** Its parameters; null when they could not be read. */
  parameters: readonly DbParameter[] | null;
  parametersError?: string;
}

export const POSTGRES_ENGINES = new Set(['postgres', 'aurora-postgresql']);

function major(version: string): number | null {
  const m = /^(\d+)/.exec(version);
  return m ? Number(m[1]) : null;
}

/** The engine's default for one of the two settings, or null when not known. */
export function engineDefault(engine: string, engineVersion: string, name: 'password_encryption' | 'rds.force_ssl'): { value: string | null; note?: string } {
  const m = major(engineVersion);
  if (!POSTGRES_ENGINES.has(engine) || m === null) return { value: null, note: `no default known for ${engine} ${engineVersion}` };
  if (name === 'password_encryption') return { value: m >= 14 ? 'scram-sha-256' : 'md5' };
  if (engine === 'postgres') return { value: m >= 15 ? '1' : '0' };
  return { value: '0', note: 'Aurora PostgreSQL default as documented in 06/2023; later versions unverified' };
}

function setting(d: DatabaseDescription, name: 'password_encryption' | 'rds.force_ssl'): Setting {
  const group = d.parameterGroup ?? undefined;
  const p = d.parameters?.find((x) => x.name === name);
  if (p && p.value !== undefined && p.value !== '' && p.source === 'user') {
    return { value: p.value, source: 'parameter-group', ...(group ? { group } : {}) };
  }
  const def = engineDefault(d.engine, d.engineVersion, name);
  // A default group lists the engine default as "system"/"engine-default"; it wins over our table.
  const listed = p && p.value !== undefined && p.value !== '' ? p.value : undefined;
  const note = d.parameters === null
    ? `the parameters of ${group ?? 'the parameter group'} could not be read${d.parametersError ? ` (${d.parametersError})` : ''}; the engine default is assumed, and a custom group may change it`
    : def.note;
  return {
    value: listed ?? def.value, source: 'engine-default', ...(group ? { group } : {}), ...(note ? { note } : {}),
    ...(d.parameters === null && group !== undefined && !group.startsWith('default.') ? { assumed: true as const } : {}),
  };
}

/** password_encryption and rds.force_ssl with where each came from. */
export function databaseFacts(d: DatabaseDescription, source: DatabaseSource): DatabaseFacts {
  return {
    identifier: d.identifier, kind: d.kind, engine: d.engine, engineVersion: d.engineVersion, endpoint: d.endpoint, port: d.port,
    passwordEncryption: setting(d, 'password_encryption'),
    forceSsl: setting(d, 'rds.force_ssl'),
    source,
    ...(d.parametersError ? { note: d.parametersError } : {}),
  };
}

/** A setting as one phrase: "password_encryption = scram-sha-256 (parameter group app-pg15)". */
export function describeSetting(name: string, s: Setting): string {
  const where = s.source === 'parameter-group' ? `parameter group ${s.group ?? '?'}` : `engine default${s.group ? `, group ${s.group}` : ''}`;
  return `${name} = ${s.value ?? 'unknown'} (${where})`;
}
