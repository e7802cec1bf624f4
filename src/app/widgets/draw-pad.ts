/**
 * The drawing pad: a ReactiveController that turns pointer strokes on a canvas (white on black) into
 * MNIST-style 28x28 images and hands them to a classifier at most ~10 times a second, one at a time.
 *
 * toMnistImage() prepares a drawing the way MNIST's digits were prepared: the ink's bounding box is scaled
 * (keeping its aspect ratio) to fit a 20x20 box, then placed in a 28x28 image so that its centre of mass
 * sits at the centre.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { createRef } from 'lit/directives/ref.js';

export const PAD_SIZE = 280;
const STROKE_WIDTH = 22;
const MIN_INTERVAL_MS = 100;

/** Box-filters `gray` (width x height, 0..255, ink > 0) into a centred 28x28 digit; null when there is no ink. */
export function toMnistImage(gray: ArrayLike<number>, width: number, height: number): Uint8Array | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > 0) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  if (right < 0) return null;
  const boxW = right - left + 1;
  const boxH = bottom - top + 1;
  const scale = 20 / Math.max(boxW, boxH);
  const w = Math.max(1, Math.round(boxW * scale));
  const h = Math.max(1, Math.round(boxH * scale));

  // Each target pixel is the mean of the source pixels it covers (at least one, when enlarging).
  const small = new Float64Array(w * h);
  for (let ty = 0; ty < h; ty++) {
    const y0 = top + Math.floor((ty * boxH) / h);
    const y1 = Math.max(y0 + 1, top + Math.ceil(((ty + 1) * boxH) / h));
    for (let tx = 0; tx < w; tx++) {
      const x0 = left + Math.floor((tx * boxW) / w);
      const x1 = Math.max(x0 + 1, left + Math.ceil(((tx + 1) * boxW) / w));
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += gray[y * width + x];
      small[ty * w + tx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }

  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const offsetX = clamp(Math.round(14 - mx / mass), 28 - w);
  const offsetY = clamp(Math.round(14 - my / mass), 28 - h);
  const out = new Uint8Array(28 * 28);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[(y + offsetY) * 28 + x + offsetX] = Math.round(small[y * w + x]);
  }
  return out;
}

export class DrawPadController implements ReactiveController {
  /** Bind to the pad's canvas with ${ref(pad.canvasRef)}. */
  readonly canvasRef = createRef<HTMLCanvasElement>();
  /** Whether drawing is allowed (a model exists). */
  enabled = false;
  /** Whether the pad holds any ink. */
  hasInk = false;

  private canvas: HTMLCanvasElement | null = null;
  private last: { x: number; y: number } | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = 0;
  private busy = false;
  private dirty = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    /** Classifies a 28x28 image (null: the pad was cleared); the next image waits until it settles. */
    private readonly classify: (image: Uint8Array | null) => Promise<void>,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    const canvas = this.canvasRef.value ?? null;
    if (canvas === this.canvas) return;
    this.detach();
    this.canvas = canvas;
    if (!canvas) return;
    canvas.addEventListener('pointerdown', this.onDown);
    canvas.addEventListener('pointermove', this.onMove);
    canvas.addEventListener('pointerup', this.onUp);
    canvas.addEventListener('pointercancel', this.onUp);
    this.paintBackground();
  }

  hostDisconnected(): void {
    this.detach();
    clearTimeout(this.timer);
  }

  clear(): void {
    this.paintBackground();
    this.hasInk = false;
    this.host.requestUpdate();
    void this.classify(null);
  }

  /**
   * Shows a ready-made image (a test digit: rows x cols u8, white on black) on the pad, upscaled without
   * smoothing, and drops any classification still waiting for the strokes it replaces. The caller
   * classifies the image itself: its exact pixels, not the pad's re-centred copy of them.
   */
  paint(pixels: Uint8Array, rows: number, cols: number): void {
    const context = this.canvas?.getContext('2d', { willReadFrequently: true });
    if (!context) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    this.last = null;
    const image = new ImageData(cols, rows);
    for (let i = 0; i < pixels.length; i++) {
      image.data.fill(pixels[i], 4 * i, 4 * i + 3);
      image.data[4 * i + 3] = 255;
    }
    const small = document.createElement('canvas');
    small.width = cols;
    small.height = rows;
    small.getContext('2d')!.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(small, 0, 0, PAD_SIZE, PAD_SIZE);
    this.hasInk = true;
    this.host.requestUpdate();
  }

  private detach(): void {
    if (!this.canvas) return;
    this.canvas.removeEventListener('pointerdown', this.onDown);
    this.canvas.removeEventListener('pointermove', this.onMove);
    this.canvas.removeEventListener('pointerup', this.onUp);
    this.canvas.removeEventListener('pointercancel', this.onUp);
    this.canvas = null;
  }

  private paintBackground(): void {
    const context = this.canvas?.getContext('2d', { willReadFrequently: true });
    if (!context) return;
    context.fillStyle = '#000';
    context.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  }

  private point(event: PointerEvent): { x: number; y: number } {
    const rect = this.canvas!.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * PAD_SIZE) / Math.max(1, rect.width),
      y: ((event.clientY - rect.top) * PAD_SIZE) / Math.max(1, rect.height),
    };
  }

  private readonly onDown = (event: PointerEvent): void => {
    if (!this.enabled || !this.canvas) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.stroke(this.last, this.last);
  };

  private readonly onMove = (event: PointerEvent): void => {
    if (!this.last) return;
    const next = this.point(event);
    this.stroke(this.last, next);
    this.last = next;
  };

  private readonly onUp = (): void => {
    if (!this.last) return;
    this.last = null;
    this.schedule(true);
  };

  private stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const context = this.canvas?.getContext('2d', { willReadFrequently: true });
    if (!context) return;
    context.strokeStyle = '#fff';
    context.lineWidth = STROKE_WIDTH;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    if (!this.hasInk) {
      this.hasInk = true;
      this.host.requestUpdate();
    }
    this.schedule(false);
  }

  /** Classifies now if the last one was long enough ago and has settled, else once both are true. */
  private schedule(immediately: boolean): void {
    this.dirty = true;
    if (this.busy || this.timer !== undefined) return;
    const wait = immediately ? 0 : Math.max(0, this.lastSent + MIN_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, wait);
  }

  private async send(): Promise<void> {
    const context = this.canvas?.getContext('2d', { willReadFrequently: true });
    if (!context || !this.dirty) return;
    this.dirty = false;
    this.busy = true;
    this.lastSent = performance.now();
    const rgba = context.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
    const gray = new Uint8Array(PAD_SIZE * PAD_SIZE);
    for (let i = 0; i < gray.length; i++) gray[i] = rgba[4 * i];
    try {
      await this.classify(toMnistImage(gray, PAD_SIZE, PAD_SIZE));
    } finally {
      this.busy = false;
      if (this.dirty) this.schedule(false);
    }
  }
}
