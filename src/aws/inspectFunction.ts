import type { Report } from '../report/report.js';
import { failedReport } from '../report/buildReport.js';
export interface FunctionInspectOptions { region?: string | undefined; profile?: string | undefined; endpointUrl?: string | undefined; created?: string | null; maxEntryBytes?: number | undefined; debug?: ((line: string) => void) | undefined }
export async function inspectFunctionTarget(target: string, _o: FunctionInspectOptions): Promise<Report> {
  return failedReport({ type: 'function', id: target }, { date: null, source: null, note: 'n/a' }, { code: 'todo', message: `${target}: live inspection is being written` });
}
