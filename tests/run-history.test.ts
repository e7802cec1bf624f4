// The trainer's run history without a browser: a new run files the current one among the earlier ones
// (unless it got nowhere), earlier runs are labelled by what differs from the current run, marks and
// evaluations land on the current run, and clearing keeps the current run. CPU only.
import { describe, expect, it } from 'vitest';
import { RunHistory, differences, presetOf } from '../src/app/trainer/run-history.ts';
import { RECIPES } from '../src/train/recipe.ts';

describe('RunHistory', () => {
  it('keeps earlier runs, labelled by what differs from the current one', () => {
    const history = new RunHistory();
    history.begin(RECIPES.quick);
    history.addLosses(1, [2.3, 2.1]);
    history.begin({ ...RECIPES.quick, init: 'normal:0,0.01', lr: 0.01 });
    history.addLosses(1, [2.3]);
    expect(history.earlier.map((run) => run.id)).toEqual([1]);
    expect(history.label(history.earlier[0])).toBe('Run 1: init xavier-uniform, lr 0.001');
    expect(history.label(history.current!)).toBe('Run 2 (now)');
    history.begin(RECIPES.quick);
    expect(history.label(history.earlier[0])).toBe('Run 1: same settings');
    expect(history.label(history.earlier[1])).toBe('Run 2: init normal:0,0.01, lr 0.01');
  });

  it('drops a run that never produced a number when the next one begins', () => {
    const history = new RunHistory();
    history.begin(RECIPES.mlp);
    history.begin(RECIPES.deep);
    expect(history.earlier).toEqual([]);
    expect(history.current!.id).toBe(2);
  });

  it('puts losses, evaluations and marks on the current run, one mark per kind and step', () => {
    const history = new RunHistory();
    history.begin(RECIPES.quick);
    history.addLosses(1, [1, 0.5, 0.25]);
    history.addAccuracy(100, 91.5);
    history.addAccuracy(100, 92);
    history.addAccuracy(50, 80);
    history.mark(3, 'lr', 'lr 0.01');
    history.mark(3, 'lr', 'lr 0.02');
    history.mark(3, 'pause', 'paused');
    const run = history.current!;
    expect(run.losses).toEqual([[1, 1], [2, 0.5], [3, 0.25]]);
    expect(run.accuracy).toEqual([[50, 80], [100, 92]]);
    expect(run.marks).toEqual([{ step: 3, kind: 'lr', label: 'lr 0.02' }, { step: 3, kind: 'pause', label: 'paused' }]);
  });

  it('names imported weights by their file until they are fine-tuned, and clears only earlier runs', () => {
    const history = new RunHistory();
    history.begin(null, 'model.safetensors');
    history.addAccuracy(0, 98.07);
    history.begin(RECIPES.quick);
    expect(history.label(history.earlier[0])).toBe('Run 1: imported model.safetensors');
    history.adopt({ ...RECIPES.quick, epochs: 1 });
    expect(history.current!.recipe!.epochs).toBe(1);
    history.clearEarlier();
    expect(history.earlier).toEqual([]);
    expect(history.current!.id).toBe(2);
  });
});

describe('describing recipes', () => {
  it('lists the settings that differ, in the run\'s own terms', () => {
    expect(differences(RECIPES.deep, RECIPES.mlp)).toEqual(['784-512-512-512-512-10']);
    expect(differences(RECIPES.quick, RECIPES.mlp)).toEqual(['2 epochs', '10,000 images']);
    expect(differences({ ...RECIPES.mlp, lrChanges: [{ step: 601, lr: 1e-4 }] }, RECIPES.mlp)).toEqual(['lr 0.001 then 0.0001 from step 601']);
    expect(differences({ ...RECIPES.mlp, optimizer: 'sgd', momentum: 0.9 }, RECIPES.mlp)).toEqual(['sgd momentum 0.9']);
  });

  it('knows a preset when it sees one', () => {
    expect(presetOf({ ...RECIPES.deep })).toBe('deep');
    expect(presetOf({ ...RECIPES['lesson-deep'] })).toBe('lesson-deep');
    expect(presetOf({ ...RECIPES.mlp, seed: 1 })).toBeNull();
  });
});
