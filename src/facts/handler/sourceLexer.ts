/**
 * Splits handler source into what is code and what is not, in one linear
 * pass: comments, docstrings and string literals. Pure: text in, text out.
 *
 * Three views of the same text, line for line (newlines are kept, so line
 * numbers stay):
 * - `shown`: comments blanked; what evidence lines quote.
 * - `code`: comments blanked, and the text inside string literals blanked
 *   unless the literal is a value (one word such as 'ssl', 'require',
 *   'postgres') or an argument of a database connect call (a DSN such as
 *   "host=h sslmode=require"). Docstrings, log messages and other prose never
 *   reach the patterns that look for TLS or an engine.
 * - `calls`: for each connect call, the first and last line of its arguments.
 */
export interface LexedSource {
  shown: string;
  code: string;
  calls: Array<[number, number]>;
}

type Language = 'python' | 'javascript';

interface StringLiteral {
  /** Index of the first character inside the quotes, and of the closing quote (or end of text). */
  contentStart: number;
  contentEnd: number;
  multiline: boolean;
}

/** A literal whose text is one word is a value (a dict key, a mode, an engine name), not prose. */
const VALUE_WORD = /^[\w.-]{0,64}$/;

export function lexSource(text: string, language: Language, connect: RegExp, maxCallLines: number): LexedSource {
  const n = text.length;
  const shownParts: string[] = [];
  const bareParts: string[] = [];
  const strings: StringLiteral[] = [];
  // Spaces with the newlines kept (a per-character regular expression replace is ten times slower on megabytes).
  const blank = (from: number, to: number) => {
    const out = Buffer.alloc(Math.max(0, to - from), 0x20);
    // Search only inside [from, to): an unbounded indexOf would scan the rest of a long line once per string (quadratic).
    const part = text.slice(from, to);
    for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) out[k] = 0x0a;
    return out.toString('latin1');
  };
  let i = 0;
  let codeFrom = 0;
  const flushCode = (to: number) => {
    if (to > codeFrom) { const s = text.slice(codeFrom, to); shownParts.push(s); bareParts.push(s); }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    // Comments: # (Python), // and /* */ (JavaScript).
    const lineComment = language === 'python' ? c === 0x23 : c === 0x2f && text.charCodeAt(i + 1) === 0x2f;
    const blockComment = language === 'javascript' && c === 0x2f && text.charCodeAt(i + 1) === 0x2a;
    if (lineComment || blockComment) {
      flushCode(i);
      let end: number;
      if (blockComment) { end = text.indexOf('*/', i + 2); end = end < 0 ? n : end + 2; }
      else { end = text.indexOf('\n', i); if (end < 0) end = n; }
      const b = blank(i, end);
      shownParts.push(b); bareParts.push(b);
      i = end; codeFrom = i;
      continue;
    }
    const isQuote = c === 0x22 || c === 0x27 || (language === 'javascript' && c === 0x60);
    if (!isQuote) { i++; continue; }
    flushCode(i);
    const triple = language === 'python' && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
    const open = triple ? 3 : 1;
    const multiline = triple || c === 0x60;
    let j = i + open;
    let contentEnd = n;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 0x5c) { j += 2; continue; }
      if (!multiline && d === 0x0a) { contentEnd = j; break; }
      if (d === c && (!triple || (text.charCodeAt(j + 1) === c && text.charCodeAt(j + 2) === c))) { contentEnd = j; j += open; break; }
      j++;
    }
    if (j > n) j = n;
    if (contentEnd === n) j = n;
    const end = !multiline && contentEnd < n && text.charCodeAt(contentEnd) === 0x0a ? contentEnd : j;
    shownParts.push(text.slice(i, end));
    const contentStart = Math.min(i + open, contentEnd);
    bareParts.push(text.slice(i, contentStart) + blank(contentStart, contentEnd) + text.slice(contentEnd, end));
    // A template literal on one line without substitutions is a value like any quoted word.
    strings.push({ contentStart, contentEnd, multiline: triple || (multiline && /[\n$]/.test(text.slice(contentStart, Math.min(contentEnd, contentStart + 65)))) });
    i = end; codeFrom = i;
  }
  flushCode(n);
  const shown = shownParts.join('');
  const bare = bareParts.join('');

  // Line starts, for turning indices into line numbers.
  const lineStarts = [0];
  for (let k = bare.indexOf('\n'); k >= 0; k = bare.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  const lineOf = (index: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid]! <= index) lo = mid; else hi = mid - 1; }
    return lo;
  };

  // Matching parentheses in the code (strings and comments are blank by now), one pass with a stack.
  const closeOf = new Map<number, number>();
  const stack: number[] = [];
  for (let k = 0; k < bare.length; k++) {
    const ch = bare.charCodeAt(k);
    if (ch === 0x28) stack.push(k);
    else if (ch === 0x29 && stack.length) closeOf.set(stack.pop()!, k);
  }

  // Connect calls: their argument span, in characters and in lines.
  const calls: Array<[number, number]> = [];
  const spans: Array<[number, number]> = [];
  const re = new RegExp(connect.source, connect.flags.includes('g') ? connect.flags : `${connect.flags}g`);
  for (const m of bare.matchAll(re)) {
    const openAt = m.index! + m[0].length - 1;
    const first = lineOf(openAt);
    const capLine = Math.min(first + maxCallLines - 1, lineStarts.length - 1);
    const capIndex = capLine + 1 < lineStarts.length ? lineStarts[capLine + 1]! - 1 : bare.length;
    const close = closeOf.get(openAt);
    const endAt = close !== undefined && close <= capIndex ? close : capIndex;
    calls.push([first, close !== undefined && close <= capIndex ? lineOf(endAt) : capLine]);
    const last = spans[spans.length - 1];
    if (last && openAt <= last[1]) last[1] = Math.max(last[1], endAt);
    else spans.push([openAt, endAt]);
  }

  // Put back the text of value words and of connect-call arguments.
  const codeParts: string[] = [];
  let from = 0;
  let s = 0;
  for (const lit of strings) {
    while (s < spans.length && spans[s]![1] < lit.contentStart) s++;
    const inCall = s < spans.length && spans[s]![0] < lit.contentStart;
    const isValue = !lit.multiline && lit.contentEnd - lit.contentStart <= 64 && VALUE_WORD.test(text.slice(lit.contentStart, lit.contentEnd));
    if (inCall || isValue) {
      codeParts.push(bare.slice(from, lit.contentStart), text.slice(lit.contentStart, lit.contentEnd));
      from = lit.contentEnd;
    }
  }
  codeParts.push(bare.slice(from));
  return { shown, code: codeParts.join(''), calls };
}
