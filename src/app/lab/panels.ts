/**
 * <init-lab>'s `panels` attribute: which of its three panels a page shows. Pure (no DOM): unit-tested in
 * tests/lab-panels.test.ts.
 */

/** The panels, in the order the element shows them (the stack trains what the probe above it measured). */
export const PANEL_NAMES = ['lab', 'probe', 'stack'] as const;

export type PanelName = (typeof PANEL_NAMES)[number];

/** What the attribute asked for: the panels to show, in PANEL_NAMES' order, and what it named that is no panel. */
export interface PanelChoice {
  shown: PanelName[];
  /** The words that name no panel, as written, each once. */
  unknown: string[];
  /** One sentence naming the unknown words and the panels there are; null when every word is a panel. */
  message: string | null;
}

const isPanel = (word: string): word is PanelName => (PANEL_NAMES as readonly string[]).includes(word);

const quoted = (words: string[]) => words.map((w) => `"${w}"`);

/** "a", "a and b", "a, b and c". */
function list(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Reads `panels`: names separated by spaces or commas, in any order and any case (the element keeps its own
 * order); absent or blank means all three. A word that names no panel is left out and named in `message`.
 */
export function parsePanels(value: string | null | undefined): PanelChoice {
  const words = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return { shown: [...PANEL_NAMES], unknown: [], message: null };
  const named = new Set(words.map((w) => w.toLowerCase()));
  const unknown = [...new Set(words.filter((w) => !isPanel(w.toLowerCase())))];
  const shown = PANEL_NAMES.filter((p) => named.has(p));
  const message = unknown.length
    ? `panels: ${list(quoted(unknown))} ${unknown.length === 1 ? 'is not a panel' : 'are not panels'}; the panels are ${list(quoted([...PANEL_NAMES]))}, separated by spaces or commas.`
    : null;
  return { shown, unknown, message };
}
