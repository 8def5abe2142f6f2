import type { CheckStatus } from '../checks/check.js';

/** ANSI styling that follows NO_COLOR, FORCE_COLOR and whether the stream is a terminal. */
export interface Style {
  status(s: CheckStatus, text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const CODES: Record<CheckStatus, string> = { fail: '31;1', warn: '33;1', unknown: '35', pass: '32', 'not-applicable': '2' };

export function makeStyle(colour: boolean): Style {
  const wrap = (code: string, t: string) => (colour ? `\x1b[${code}m${t}\x1b[0m` : t);
  return { status: (s, t) => wrap(CODES[s], t), dim: (t) => wrap('2', t), bold: (t) => wrap('1', t) };
}
