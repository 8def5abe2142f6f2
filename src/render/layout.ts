/**
 * Text layout for terminals: widths in code points (the renderers escape every control character first, so a code
 * point is one column for the text they lay out), names shortened around the middle so their distinguishing end
 * stays, and paragraphs wrapped at word boundaries with a hanging indent.
 */

export const visibleLength = (text: string): number => [...text].length;

export const padEnd = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - visibleLength(text)));
export const padStart = (text: string, width: number): string => ' '.repeat(Math.max(0, width - visibleLength(text))) + text;

/**
 * Text cut to `width` columns with `…` in the middle: a third of the room for the start, the rest for the end,
 * because fleets of functions share a long prefix (`SecretsManagerRDSPostgreSQLRotationSingleUser-…`) and differ
 * at the end.
 */
export function shortenKeepingEnd(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return width === 1 ? '…' : '';
  const room = width - 1;
  const head = Math.floor(room / 3);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (room - head)).join('')}`;
}

/**
 * A paragraph wrapped to `width` columns: the first line starts with `first`, the others with `hang` (a hanging
 * indent), breaking at spaces; a word longer than a line is broken where the line ends. Without a width the
 * paragraph stays on one line.
 */
export function wrap(text: string, width: number | undefined, first: string, hang: string): string[] {
  const words = text.split(/ +/).filter((w) => w.length > 0);
  if (width === undefined) return [first + words.join(' ')];
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = (prefix: string) => Math.max(10, width - visibleLength(prefix));
  for (let word of words) {
    for (;;) {
      const used = visibleLength(line);
      const needed = (empty ? 0 : 1) + visibleLength(word);
      if (used + needed <= Math.max(width, visibleLength(first) + 10)) {
        line += (empty ? '' : ' ') + word;
        empty = false;
        break;
      }
      if (!empty) {
        lines.push(line);
        line = hang;
        empty = true;
        continue;
      }
      // A word longer than a whole line: break it.
      const fit = room(line);
      const chars = [...word];
      lines.push(line + chars.slice(0, fit).join(''));
      line = hang;
      word = chars.slice(fit).join('');
      if (word.length === 0) break;
    }
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines;
}
