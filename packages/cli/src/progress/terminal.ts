/** ANSI control sequences for redrawing a block of lines in place at the bottom of a terminal. */

export const hideCursor = "\x1b[?25l"
export const showCursor = "\x1b[?25h"

/**
 * Text that replaces the last `height` lines written (the cursor sits at the start of the line
 * below them) with `lines`: up `height` lines, erase to the end of the screen, write. Lines that
 * are to stay (finished runs) go first, so they scroll up as ordinary output and the next
 * replacement only erases what follows them.
 */
export const replaceLines = (height: number, lines: ReadonlyArray<string>): string =>
  (height > 0 ? `\r\x1b[${height}A\x1b[J` : "") + lines.map((line) => `${line}\n`).join("")
