// <init-lab>'s panels attribute (src/app/lab/panels.ts): which panels a page asked for, always in the
// element's own order, and the sentence that names a word that is no panel beside the panels there are. CPU only.
import { describe, expect, it } from 'vitest';
import { PANEL_NAMES, parsePanels } from '../src/app/lab/panels.ts';

describe('parsePanels', () => {
  it.each([null, undefined, '', '  ', ' , '])('shows all three panels, in order, for %j', (value) => {
    expect(parsePanels(value)).toEqual({ shown: ['lab', 'probe', 'stack'], unknown: [], message: null });
  });

  it('shows the probe alone for "probe"', () => {
    expect(parsePanels('probe')).toEqual({ shown: ['probe'], unknown: [], message: null });
  });

  it.each(['stack probe', 'stack,probe', ' stack ,  probe ', 'Probe STACK', 'probe stack probe'])('reads %j as the probe then the stack: spaces or commas, any case, any order, repeats once', (value) => {
    expect(parsePanels(value)).toEqual({ shown: ['probe', 'stack'], unknown: [], message: null });
  });

  it('keeps the valid panels and names the one word that is no panel, with the panels there are', () => {
    const choice = parsePanels('probe,nonsense');
    expect(choice.shown).toEqual(['probe']);
    expect(choice.unknown).toEqual(['nonsense']);
    expect(choice.message).toBe('panels: "nonsense" is not a panel; the panels are "lab", "probe" and "stack", separated by spaces or commas.');
  });

  it('names every unknown word once, as written, and shows nothing when no word is a panel', () => {
    const choice = parsePanels('Probes; graphs probes; graphs');
    expect(choice.shown).toEqual([]);
    expect(choice.unknown).toEqual(['Probes;', 'graphs', 'probes;']);
    expect(choice.message).toBe('panels: "Probes;", "graphs" and "probes;" are not panels; the panels are "lab", "probe" and "stack", separated by spaces or commas.');
  });

  it('names every panel in the message, from PANEL_NAMES', () => {
    const message = parsePanels('x').message!;
    for (const name of PANEL_NAMES) expect(message).toContain(`"${name}"`);
  });
});
