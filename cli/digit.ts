/**
 * Draws a small grayscale image (an MNIST digit, say) in a terminal.
 *
 * Terminal cells are about twice as tall as they are wide, so each mode squares the pixels differently:
 * - color: one cell per pixel column and two pixel rows per line, using the upper-half block "▀" with the
 *   top pixel as the 24-bit foreground color and the bottom pixel as the background. ceil(rows / 2) lines.
 * - ASCII: one line per pixel row, each pixel written as two identical characters of the ramp
 *   " .:-=+*#%@" (dark to bright), so the output is `rows` lines of `2 * cols` characters.
 */

const ASCII_RAMP = ' .:-=+*#%@';
const UPPER_HALF_BLOCK = '\u2580';
const RESET = '\x1b[0m';

function rampChar(value: number): string {
  // Ten equal bins over 0..255: 0 maps to ' ' and 255 to '@'.
  return ASCII_RAMP[Math.floor((value * ASCII_RAMP.length) / 256)];
}

/** Renders a u8 grayscale image of rows x cols (row-major) and returns the lines joined with \n. */
export function renderDigit(
  pixels: Uint8Array,
  rows: number,
  cols: number,
  options: { color?: boolean } = {},
): string {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`rows and cols must be non-negative integers, got ${rows} x ${cols}`);
  }
  if (pixels.length !== rows * cols) {
    throw new RangeError(`expected ${rows * cols} pixels for ${rows} x ${cols}, got ${pixels.length}`);
  }
  const lines: string[] = [];
  if (options.color) {
    for (let r = 0; r < rows; r += 2) {
      let line = '';
      for (let c = 0; c < cols; c++) {
        const top = pixels[r * cols + c];
        line += `\x1b[38;2;${top};${top};${top}m`;
        // An odd last row has no partner below: leave the terminal's own background there.
        if (r + 1 < rows) {
          const bottom = pixels[(r + 1) * cols + c];
          line += `\x1b[48;2;${bottom};${bottom};${bottom}m`;
        } else {
          line += '\x1b[49m';
        }
        line += UPPER_HALF_BLOCK;
      }
      // Reset at the end of each line so the colors never bleed into whatever is printed next.
      lines.push(line + RESET);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      let line = '';
      for (let c = 0; c < cols; c++) line += rampChar(pixels[r * cols + c]).repeat(2);
      lines.push(line);
    }
  }
  return lines.join('\n');
}
