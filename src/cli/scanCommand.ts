import type { ScanArgs } from './args.js';
import type { CliIo } from './main.js';
import { InspectError } from '../errors.js';
export async function runScan(_args: ScanArgs, _io: CliIo): Promise<number> { throw new InspectError('usage', 'scan: being written'); }
