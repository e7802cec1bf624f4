// Tests for the terminal digit renderer in both its ASCII and its 24-bit color mode.
import { describe, expect, it } from 'vitest';
import { renderDigit } from '../cli/digit.ts';

// A 4x4 ramp: each row brightens left to right, rows shifted so every line differs.
const image = new Uint8Array([
  0, 26, 52, 77,
  103, 128, 154, 180,
  205, 231, 255, 0,
  255, 255, 0, 0,
]);

describe('renderDigit', () => {
  it('draws each pixel as two ramp characters, one line per row, in ASCII mode', () => {
    expect(renderDigit(image, 4, 4).split('\n')).toEqual([
      '  ..::--',
      '==++**##',
      '%%@@@@  ',
      '@@@@    ',
    ]);
  });

  it('draws two pixel rows per line with 24-bit escapes in color mode', () => {
    const out = renderDigit(image, 4, 4, { color: true });
    const lines = out.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0].startsWith('\x1b[38;2;0;0;0m\x1b[48;2;103;103;103m\u2580')).toBe(true);
    expect(lines[1]).toContain('\x1b[38;2;205;205;205m\x1b[48;2;255;255;255m\u2580');
    for (const line of lines) {
      expect(line.match(/\u2580/g)).toHaveLength(4);
      expect(line.endsWith('\x1b[0m')).toBe(true);
    }
  });

  it('leaves the background alone under an odd last row', () => {
    const lines = renderDigit(new Uint8Array([10, 20, 30]), 3, 1, { color: true }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('\x1b[38;2;30;30;30m\x1b[49m\u2580\x1b[0m');
  });

  it('rejects a pixel count that does not match rows x cols', () => {
    expect(() => renderDigit(new Uint8Array(5), 2, 2)).toThrow(RangeError);
  });
});
