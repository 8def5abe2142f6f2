/** rotation-inspector as a library: the same pipeline the CLI runs. */
export { inspectLocal, type LocalInspectOptions } from './report/inspectLocal.js';
export { bundleFindings, type BundleFindings } from './report/bundleFindings.js';
export { buildReport } from './report/buildReport.js';
export type * from './report/report.js';
export { openLocalBundle, openBundleFromSource } from './bundle/openBundle.js';
export { openZipBundle } from './bundle/zipBundle.js';
export type { Bundle, BundleEntry } from './bundle/bundle.js';
export { bufferSource, RangeCachedSource, type ByteSource, type RangeFetcher } from './source/byteSource.js';
export { fileSource } from './source/fileSource.js';
export { parseElf, type ElfFacts } from './facts/elf/elfFacts.js';
export { handlerFacts, type HandlerFacts } from './facts/handler/handlerFacts.js';
export { mergeVersionEvidence, type VersionEvidence, type LibpqVersion } from './evidence/versionEvidence.js';
export { decodeReturnedConstant, versionFromNumber } from './evidence/pqlibVersionEvidence.js';
export { scramCheck } from './checks/scramCheck.js';
export { tlsCheck } from './checks/tlsCheck.js';
export type { Check, CheckStatus } from './checks/check.js';
export { InspectError } from './errors.js';
export { redact } from './redact.js';
