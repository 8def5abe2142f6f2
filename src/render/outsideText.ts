/**
 * Text that came from outside (a bundle's entry names and file contents, an AWS answer, an OS error message) is
 * data. Before it reaches a terminal, a CSV cell, a SARIF message or a stderr line it goes through
 * `showOutsideText`, which makes every character that a terminal or an editor would interpret visible instead:
 *
 * - C0 controls (U+0000–U+001F: ESC, CR, LF, TAB, BEL, …), DEL (U+007F) and C1 controls (U+0080–U+009F, which
 *   include the 8-bit CSI U+009B and OSC U+009D) become `\xHH`;
 * - bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E,
 *   U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029) become `\uHHHH`.
 *
 * Everything else, printable Unicode included, is kept. The JSON renderers do not use it: JSON.stringify already
 * escapes C0 controls, and JSON keeps the raw value for programs (C1 and bidi characters are escaped there by
 * `escapeJsonOutsideText`).
 */
const INTERPRETED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function showOutsideText(text: string): string {
  return text.replace(INTERPRETED, escapeOne);
}

/** True when the text holds a character `showOutsideText` would escape. */
export function hasInterpretedCharacters(text: string): boolean {
  INTERPRETED.lastIndex = 0;
  const found = INTERPRETED.test(text);
  INTERPRETED.lastIndex = 0;
  return found;
}

const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1 controls, bidi marks, line separators)
 * written as `\uHHHH` escapes: the parsed value is unchanged, the bytes on a terminal are inert.
 */
export function escapeJsonOutsideText(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
