/**
 * Deadlines and size caps for every network read: code downloads and AWS API
 * calls alike. A stalled, dripping or endless answer ends as that read's
 * error within `totalMs`, retries included; the live reads need tens of
 * kilobytes, so the defaults leave a healthy endpoint far inside them.
 */
export interface NetworkLimits {
  /** Connecting, and any pause with no bytes arriving (--idle-timeout). */
  idleMs: number;
  /** One API call or one bundle's download, retries included (--timeout). */
  totalMs: number;
  /** Largest AWS API answer accepted (GetFunction answers are a few KiB, ListSecrets pages tens). */
  maxApiResponseBytes: number;
  /** Largest whole download (a server that ignores Range); Lambda caps unzipped code at 250 MB. */
  maxDownloadBytes: number;
}

export const DEFAULT_NETWORK_LIMITS: Readonly<NetworkLimits> = Object.freeze({
  idleMs: 15_000,
  totalMs: 60_000,
  maxApiResponseBytes: 16 * 1024 * 1024,
  maxDownloadBytes: 256 * 1024 * 1024,
});

export function networkLimits(partial: Partial<NetworkLimits> | undefined): NetworkLimits {
  return { ...DEFAULT_NETWORK_LIMITS, ...Object.fromEntries(Object.entries(partial ?? {}).filter(([, v]) => v !== undefined)) };
}

/** "60 s", "0.5 s": how a deadline is named in messages. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
