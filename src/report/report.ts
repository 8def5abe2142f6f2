import type { Check, CheckId } from '../checks/check.js';
import type { LibpqVersion } from '../evidence/versionEvidence.js';
import type { TlsCapability } from '../facts/elf/tlsCapability.js';
import type { DriverFact } from '../facts/drivers/driverRecords.js';
import type { HandlerFacts } from '../facts/handler/handlerFacts.js';
import type { LoaderFacts } from '../facts/loader/lambdaLoader.js';

/** The JSON report, schema version 1. Fields are only ever added. */
export interface Report {
  schemaVersion: 1;
  inspector: { name: 'rotation-inspector'; version: string };
  target: Target;
  libraries: LibraryReport[];
  handler: HandlerFacts | null;
  /** PostgreSQL drivers other than libpq found in the code and layers, with the version each records. */
  drivers?: DriverFact[];
  created: Created;
  checks: Check[];
  errors: ReportError[];
  /**
   * Optional reads that failed without touching a verdict (a refused DescribeStacks when the binary
   * and the code decide; a layer that cannot hold the libpq that loads). Absent when there are none.
   */
  warnings?: ReportError[];
  /** Live targets: what Lambda says of the function. */
  function?: FunctionFacts;
  /** Live targets: which libpq the Lambda loader would pick. */
  loader?: LoaderFacts;
  /** Scans: the secrets this function rotates. */
  secrets?: SecretRef[];
  /** Findings accepted through --ignore-file: the check keeps its status, the finding no longer counts. */
  ignored?: IgnoredFinding[];
  /** Scans: the account the function (or, for an account that could not be read, the report) belongs to. */
  account?: ReportAccount;
}

/** The account of a report; `name` when Organizations gave one, `credentials` for runs over several accounts. */
export interface ReportAccount {
  id: string;
  name?: string;
  /** How the account was read: an assumed role, or the base credentials (the caller's own account without the role). */
  credentials?: 'role' | 'base';
}

/** One check of a report accepted by an ignore-file entry. */
export interface IgnoredFinding {
  check: CheckId;
  reason: string;
  /** YYYY-MM-DD: the entry applies through this day. */
  expires: string | null;
  /** Where the entry is: "FILE:LINE". */
  entry: string;
}

export interface Target {
  /** `path`: a local path that could not be opened, so what it is was never learnt. */
  type: 'zip' | 'directory' | 'elf' | 'function' | 'path' | 'account';
  id: string;
  /** Bytes fetched from the origin, and its size (function: code plus layers). */
  bytesRead?: number;
  size?: number;
  region?: string;
  qualifier?: string;
}

export interface LibraryReport {
  path: string;
  /** Symlinks and identical copies that reach the same file. */
  aliases: string[];
  /** Layer version ARN, when the library comes from a layer. */
  layer?: string;
  /** Where the file sits in the Lambda environment (/var/task/…, /opt/…). */
  installPath?: string;
  size: number;
  machine: string | null;
  class: 32 | 64 | null;
  endianness: 'little' | 'big' | null;
  soname: string | null;
  runpath: string[] | null;
  rpath: string[] | null;
  needed: string[];
  exportedFunctions: number;
  version: LibpqVersion;
  /** Whether this libpq can do TLS (built with OpenSSL), and the OpenSSL the bundle ships for it. */
  tls?: TlsCapability;
  /** "shared": a libpq file; "static": libpq built into a driver's module (psycopg2/_psycopg….so). */
  linkage?: 'shared' | 'static';
  /** The driver whose module carries a static libpq ("psycopg2"). */
  driver?: string;
  warnings?: string[];
  error?: string;
  errorCode?: string;
}

export type Created =
  | { date: string; source: 'flag'; note?: string }
  | { date: string; source: 'cloudformation'; stack: string; stackId: string; application?: { id: string; semanticVersion?: string } }
  | { date: null; source: null; note: string; stack?: string };

export interface ReportError { path?: string; code: string; message: string }

export interface FunctionFacts {
  name: string;
  arn: string;
  runtime: string | null;
  handler: string | null;
  packageType: 'Zip' | 'Image';
  architectures: string[];
  codeSha256: string | null;
  codeSize: number | null;
  lastModified: string | null;
  timeout: number | null;
  vpc: { subnetIds: string[]; securityGroupIds: string[] } | null;
  layers: Array<{ arn: string; codeSize: number | null }>;
  tags: Record<string, string>;
}


export interface SecretRef { name: string; arn: string; rotationEnabled: boolean; lastRotatedDate: string | null }
