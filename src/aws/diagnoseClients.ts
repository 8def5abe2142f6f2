import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { AwsSession } from './session.js';

/** The two clients only `diagnose` needs, beside the session's Lambda and Secrets Manager clients. */
export interface DiagnoseClients {
  region: string;
  logs: CloudWatchLogsClient;
  rds: RDSClient;
}

type DiagnoseSdk = Awaited<ReturnType<typeof loadDiagnoseSdk>>;
async function loadDiagnoseSdk() {
  const [logs, rds] = await Promise.all([import('@aws-sdk/client-cloudwatch-logs'), import('@aws-sdk/client-rds')]);
  return { logs, rds };
}
let diagnoseSdkPromise: Promise<DiagnoseSdk> | undefined;
/** Loaded on first use by `diagnose` only. */
export function diagnoseSdk(): Promise<DiagnoseSdk> {
  return (diagnoseSdkPromise ??= loadDiagnoseSdk());
}

const bySession = new WeakMap<AwsSession, Map<string, Promise<DiagnoseClients>>>();

/** Logs and RDS clients per region, with the session's settings (credential chain, profile, endpoint, retry). */
export function diagnoseClients(session: AwsSession, region: string): Promise<DiagnoseClients> {
  let m = bySession.get(session);
  if (!m) bySession.set(session, (m = new Map()));
  let p = m.get(region);
  if (!p) {
    p = (async () => {
      const [s, { common, retry }] = await Promise.all([diagnoseSdk(), session.clientConfig(region)]);
      return {
        region,
        logs: new s.logs.CloudWatchLogsClient({ ...common, retryStrategy: retry() }),
        rds: new s.rds.RDSClient({ ...common, retryStrategy: retry() }),
      };
    })();
    m.set(region, p);
  }
  return p;
}

export async function destroyDiagnoseClients(session: AwsSession): Promise<void> {
  const m = bySession.get(session);
  if (!m) return;
  for (const p of m.values()) {
    const c = await p.catch(() => undefined);
    c?.logs.destroy(); c?.rds.destroy();
  }
  bySession.delete(session);
}
