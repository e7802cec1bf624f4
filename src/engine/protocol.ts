/**
 * The typed message protocol between the page and the engine's worker. Components never touch GPU objects:
 * they send intents (Command) and render the state the engine reports (EngineEvent).
 *
 * Requests and replies. Every command but `init` carries an `id` (engine-hub.ts's requestId(), unique in the
 * page), and the engine answers each with exactly one reply carrying that id: the command's own payload
 * ('prediction', 'test-image', 'weights', 'weights-imported', 'lr-set', 'probe', 'stats'), an 'error', or
 * 'done' for a command with nothing else to say. Which commands wait their turn and which are refused while
 * something else goes on is written in session.ts's header.
 *
 * News. Events without an id report what happens meanwhile: the main run's ('state', 'progress', 'epoch',
 * 'evaluation', for the element driving the run; `run` names the command that began it, so an element can
 * drop a replaced run's last words), the lab's ('lab-progress', 'lab-diagnostics', 'lab-epoch', 'lab-diverged',
 * 'lab-done', with `lab` the id of the lab command; a lab run that diverges ends alone, the others go on), and the engine's own ('ready', 'unsupported', 'device-lost', the
 * dataset failing to load at start, for every element).
 *
 * Diagnostics (src/train/diagnostics.ts). The main run takes them every defaultDiagnosticsEvery(layers) steps (and
 * at its first step and each epoch's last): 'progress' carries those of its chunk in progress.diagnostics,
 * 'epoch' the epoch's last in result.diagnostics, and a diverged run's 'error' its step measured again in
 * `diagnostics` (whose nonFinite says where it broke). A lab asked for them ('lab' with diagnosticsEvery)
 * sends 'lab-diagnostics'.
 */
import type { AdapterSummary } from '../gpu/context.ts';
import type { DataSource, NamedFile } from '../data/idx.ts';
import type { EpochResult, Progress } from '../train/trainer.ts';
import type { StepDiagnostics } from '../train/diagnostics.ts';
import type { ConfigFault, LrChange, Recipe } from '../train/recipe.ts';

export type { DataSource } from '../data/idx.ts';

/** A test image the page can draw: 28x28 u8 pixels with its label and the model's prediction. */
export interface DigitSample {
  index: number;
  label: number;
  prediction: number;
  pixels: Uint8Array;
}

export interface Evaluation {
  epoch: number;
  accuracy: number;
  correct: number;
  count: number;
  /** Classes x classes counts, rows = true label, columns = prediction. */
  confusion: number[];
  /**
   * Per true label, the images predicted as an output past the classes (always wrong): a model may have more
   * outputs than classes, as the lesson's deep cell has (512 for 10). Empty when the model has no more.
   */
  otherOutputs: number[];
  /** A random test image (seeded by the recipe's seed and the epoch). */
  sample: DigitSample;
  /** Up to 48 misclassified test images, in test-set order. */
  misclassified: DigitSample[];
}

/** Per-layer statistics of a deep ReLU stack at initialization, measured on the GPU from one real batch. */
export interface ProbeResult {
  init: string;
  /** Standard deviation of each hidden layer's activations (post-ReLU), first to last, then of the logits. */
  activationStd: number[];
  /** Standard deviation of dLoss/dz (pre-activation gradient) of each layer, first to last. */
  gradientStd: number[];
  /** Standard deviation of each layer's weight gradient, first to last. */
  weightGradientStd: number[];
  /** E[x^2] of the training images' pixels (scaled to [0, 1]): where theory's prediction starts. */
  inputMeanSquare: number;
}

export interface DatasetSummary {
  name: string;
  train: number;
  test: number;
  rows: number;
  cols: number;
  classes: number;
}

/** The most bytes a user's dataset (its four files together, as given) may have. */
export const MAX_DATASET_BYTES = 256 * 1024 * 1024;

/**
 * What the engine is doing, as the page shows it. 'imported': a model loaded from a file, not trained here
 * (predict, export and fine-tune work on it; resume does not). 'no-data': the GPU is ready but the dataset
 * could not be loaded (the error event before it says why); 'load-dataset' leads to 'idle' from there.
 */
export type RunState = 'loading' | 'no-data' | 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'imported' | 'error';

export type Command =
  /** Acquire the GPU device, then load the dataset (once) from `dataUrl` (a folder of MNIST's four IDX files). */
  | { type: 'init'; dataUrl: string }
  /**
   * Replace the dataset with the user's four IDX files (MNIST's names, plain or .gz; 256 MB at most in all).
   * 'ready' (to every element) then 'done'; or 'error' with the old dataset kept.
   */
  | { type: 'load-dataset'; id: number; name: string; files: NamedFile[] }
  /**
   * Compile the kernels `recipe` needs, before anyone presses Start: the first start of a page otherwise
   * spends seconds compiling. Builds a model of `recipe` and frees it; the compiled pipelines stay cached.
   */
  | { type: 'prepare'; id: number; recipe: Recipe }
  /** Build a model for `recipe` and train it from scratch; `evalEachEpoch` evaluates on the test set after every epoch. */
  | { type: 'start'; id: number; recipe: Recipe; evalEachEpoch: boolean }
  | { type: 'pause'; id: number }
  | { type: 'resume'; id: number }
  /** Stop the run (its weights stay for predict and export until the next start). */
  | { type: 'stop'; id: number }
  /** One training step (a new run first unless one is paused); leaves the run paused. */
  | { type: 'step'; id: number; recipe: Recipe }
  /**
   * Train the current model's weights (imported, or a run's) under `recipe`: its layers must be the model's;
   * epochs count from 0 and the optimizer starts empty. Reports progress like a run.
   */
  | { type: 'fine-tune'; id: number; recipe: Recipe; evalEachEpoch: boolean }
  /** The learning rate from the run's next step on; answered by 'lr-set'. */
  | { type: 'set-lr'; id: number; lr: number }
  /** Classify `pixels` (rows*cols u8) with the current weights; answered by 'prediction'. */
  | { type: 'predict'; id: number; pixels: Uint8Array }
  /** Test-set image `index` (0 to test count - 1), for the drawing pad; answered by 'test-image'. Needs no model. */
  | { type: 'test-image'; id: number; index: number }
  /** The current weights as safetensors (PyTorch nn.Sequential layout); answered by 'weights'. */
  | { type: 'export-weights'; id: number }
  /**
   * Load weights from a safetensors file (PyTorch nn.Sequential layout: 0.weight (out, in), 0.bias, 2.weight,
   * ...): the widths are the file's. Built and evaluated beside the current model, which stays as it was if
   * anything fails; answered by 'weights-imported'.
   */
  | { type: 'import-weights'; id: number; bytes: Uint8Array; name: string }
  /** Depth probe: for each initializer, one forward and backward pass of `layers` on a real batch. */
  | { type: 'probe'; id: number; layers: number[]; inits: string[]; batch: number; seed: number }
  /**
   * Initialization lab: train `recipe` once per initializer, interleaved; 'done' once they train.
   * `diagnosticsEvery`: each run's diagnostics every so many steps, in 'lab-diagnostics' events (none when absent).
   */
  | { type: 'lab'; id: number; recipe: Recipe; inits: string[]; diagnosticsEvery?: number }
  /** Stop the lab; 'done' once it has ended (after its 'lab-done'). */
  | { type: 'lab-stop'; id: number }
  /** After 'device-lost': a new device, and the run continued from the checkpoint kept in memory. */
  | { type: 'recover'; id: number }
  /** Destroys the GPU device, as a driver reset would: for testing how a run survives it. */
  | { type: 'simulate-device-loss'; id: number }
  /** Report what the engine holds on the GPU now; answered by 'stats'. */
  | { type: 'stats'; id: number };

/** Every command that expects a reply (all but init). */
export type Request = Exclude<Command, { type: 'init' }>;

/**
 * A failure; the page stays usable. As data: `field`, `allowed` and `index` when a setting is at fault (a
 * ConfigError's, see recipe.ts); `source` when the dataset could not be fetched (the URL and what it
 * answered). `id` when it answers a request; otherwise `about` says what it concerns: the run, the lab, the
 * dataset (at start), or the engine itself ('engine': its worker died; no request will be answered).
 */
export type EngineError = {
  type: 'error';
  message: string;
  id?: number;
  about?: 'run' | 'lab' | 'dataset' | 'engine';
  source?: DataSource;
  /** A diverged run's (or lab run's) step, measured again with diagnostics on: its nonFinite says where it broke. */
  diagnostics?: StepDiagnostics;
} & ConfigFault;

export type Reply =
  | { type: 'done'; id: number }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'test-image'; id: number; index: number; label: number; pixels: Uint8Array }
  | { type: 'weights'; id: number; bytes: Uint8Array; filename: string }
  /** `recipe`: the lesson's settings with the file's widths, what fine-tune's form starts from. */
  | { type: 'weights-imported'; id: number; name: string; layers: number[]; evaluation: Evaluation; recipe: Recipe }
  /** `step`: the first global step at the new rate; `recipe`: the run's recipe now, the change in its lrChanges. */
  | ({ type: 'lr-set'; id: number; recipe: Recipe } & LrChange)
  | { type: 'probe'; id: number; results: ProbeResult[] }
  /** GPU bytes held (in all and by purpose), live buffers and compiled pipelines. */
  | { type: 'stats'; id: number; bytes: number; byPurpose: Record<string, number>; buffers: number; pipelines: number }
  | (EngineError & { id: number });

export type EngineEvent =
  | Reply
  | { type: 'ready'; adapter: AdapterSummary; dataset: DatasetSummary }
  /** WebGPU is missing or no device could be had: `reason` says which and what to do. */
  | { type: 'unsupported'; reason: string }
  | { type: 'state'; state: RunState }
  | { type: 'progress'; run: number; progress: Progress; stepsTotal: number }
  | { type: 'epoch'; run: number; result: EpochResult }
  | { type: 'evaluation'; run: number; evaluation: Evaluation }
  /** Every step's loss since the last report; `step` is the global step of the first. */
  | { type: 'lab-progress'; lab: number; init: string; step: number; losses: number[] }
  /** The samples of one chunk of a lab run asked for diagnostics, right after its 'lab-progress'; in step order. */
  | { type: 'lab-diagnostics'; lab: number; init: string; diagnostics: StepDiagnostics[] }
  | { type: 'lab-epoch'; lab: number; init: string; epoch: number; loss: number; accuracy: number }
  /**
   * One lab run's loss stopped being finite at `step`: that run ends there, the others go on. `diagnostics`
   * (when the lab takes them) is the step measured again; its nonFinite names the layer where it broke.
   */
  | { type: 'lab-diverged'; lab: number; init: string; step: number; message: string; diagnostics?: StepDiagnostics }
  | { type: 'lab-done'; lab: number }
  /** The GPU device was lost; `checkpoint` says what 'recover' would continue from (null: nothing to resume). */
  | { type: 'device-lost'; message: string; checkpoint: { epoch: number; step: number } | null }
  | EngineError;
