/**
 * Float64 CPU versions of every GPU kernel. They are the oracle the GPU tests compare against, so each one is
 * written as the plainest loop that states the math, following PyTorch's semantics (nn.Linear layout,
 * CrossEntropyLoss with mean reduction, torch.optim.Adam and torch.optim.SGD). No GPU, DOM or project imports.
 *
 * Layouts: every matrix is row-major. A Linear weight is (out, in), its bias (out), activations (B, features).
 */

function checkLength(name: string, arr: ArrayLike<number>, expected: number): void {
  if (arr.length !== expected) {
    throw new RangeError(`${name} has length ${arr.length}, expected ${expected}`);
  }
}

function checkDim(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

function checkLabels(labels: ArrayLike<number>, B: number, C: number): void {
  checkLength('labels', labels, B);
  for (let i = 0; i < B; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new RangeError(`labels[${i}] = ${y} is not a class index in [0, ${C})`);
    }
  }
}

/** C (M,N) = op(A) op(B); A stored (M,K) row-major, or (K,M) when transA; B stored (K,N), or (N,K) when transB. */
export function matmul(
  a: Float64Array,
  b: Float64Array,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
): Float64Array {
  checkDim('M', M);
  checkDim('N', N);
  checkDim('K', K);
  checkLength('a', a, M * K);
  checkLength('b', b, K * N);
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const aik = transA ? a[k * M + i] : a[i * K + k];
        const bkj = transB ? b[j * K + k] : b[k * N + j];
        sum += aik * bkj;
      }
      c[i * N + j] = sum;
    }
  }
  return c;
}

/** Z = X W^T + b for X (B, fanIn), W (fanOut, fanIn), b (fanOut); optionally followed by ReLU. */
export function linearForward(
  x: Float64Array,
  w: Float64Array,
  bias: Float64Array,
  B: number,
  fanIn: number,
  fanOut: number,
  relu: boolean,
): Float64Array {
  checkLength('x', x, B * fanIn);
  checkLength('weight', w, fanOut * fanIn);
  checkLength('bias', bias, fanOut);
  const z = matmul(x, w, B, fanOut, fanIn, false, true);
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < fanOut; o++) {
      const v = z[r * fanOut + o] + bias[o];
      z[r * fanOut + o] = relu && v < 0 ? 0 : v;
    }
  }
  return z;
}

/** max(x, 0); written as a comparison with negatives so that a NaN passes through, as torch.relu does. */
export function relu(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] < 0 ? 0 : x[i];
  return y;
}

/** dy * (y > 0), where y is the ReLU's output: the gradient passes only where the unit was active. */
export function reluBackward(dy: Float64Array, y: Float64Array): Float64Array {
  checkLength('y', y, dy.length);
  const dx = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  return dx;
}

/**
 * Softmax cross-entropy averaged over the batch, with its gradient wrt the logits, (softmax - onehot) / B.
 * Subtracting each row's max before exponentiating keeps exp() finite for any logits.
 */
export function softmaxCrossEntropy(
  logits: Float64Array,
  labels: ArrayLike<number>,
  B: number,
  C: number,
): { loss: number; dlogits: Float64Array; probs: Float64Array } {
  checkLength('logits', logits, B * C);
  checkLabels(labels, B, C);
  if (C < 1) throw new RangeError('softmaxCrossEntropy needs at least one class');
  const probs = new Float64Array(B * C);
  const dlogits = new Float64Array(B * C);
  let total = 0;
  for (let r = 0; r < B; r++) {
    const row = r * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[row + c]);
    let sumExp = 0;
    for (let c = 0; c < C; c++) sumExp += Math.exp(logits[row + c] - max);
    // Like torch's log_softmax, work with shifted logits (z - max) so that no large offset is added back and
    // then cancelled: -log p_y = log(sumExp) - (z_y - max).
    const logSumExp = Math.log(sumExp);
    const y = labels[r];
    total += logSumExp - (logits[row + y] - max);
    for (let c = 0; c < C; c++) {
      const p = Math.exp(logits[row + c] - max) / sumExp;
      probs[row + c] = p;
      dlogits[row + c] = (p - (c === y ? 1 : 0)) / B;
    }
  }
  return { loss: B > 0 ? total / B : 0, dlogits, probs };
}

/** Bias gradient: the column sums of dZ (B, N). */
export function biasGrad(dz: Float64Array, B: number, N: number): Float64Array {
  checkLength('dz', dz, B * N);
  const db = new Float64Array(N);
  for (let r = 0; r < B; r++) {
    for (let c = 0; c < N; c++) db[c] += dz[r * N + c];
  }
  return db;
}

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * One torch.optim.Adam update in place (no weight decay, no amsgrad). t is the 1-based step number, already
 * counting this step. eps is added after dividing sqrt(v) by sqrt(bc2), as PyTorch does; the order matters
 * when v is tiny.
 */
export function adamStep(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  cfg: AdamConfig,
): void {
  checkLength('g', g, p.length);
  checkLength('m', m, p.length);
  checkLength('v', v, p.length);
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`Adam step t must be an integer >= 1, got ${t}`);
  const { lr, beta1, beta2, eps } = cfg;
  const bc1 = 1 - Math.pow(beta1, t);
  const bc2 = 1 - Math.pow(beta2, t);
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    const denom = Math.sqrt(v[i]) / bc2Sqrt + eps;
    p[i] -= (stepSize * m[i]) / denom;
  }
}

export interface SgdConfig {
  lr: number;
  momentum: number;
}

/**
 * One torch.optim.SGD update in place (dampening 0, no Nesterov, no weight decay). The buffer starts at zero,
 * so the first step's buf = g matches PyTorch's clone of the first gradient; momentum 0 is plain SGD.
 */
export function sgdStep(p: Float64Array, g: Float64Array, buf: Float64Array, cfg: SgdConfig): void {
  checkLength('g', g, p.length);
  checkLength('buf', buf, p.length);
  const { lr, momentum } = cfg;
  for (let i = 0; i < p.length; i++) {
    buf[i] = momentum * buf[i] + g[i];
    p[i] -= lr * buf[i];
  }
}

/**
 * Argmax predictions (ties go to the lowest index, since only a strictly larger logit replaces the best),
 * the count of correct ones, and a C x C confusion matrix indexed [trueLabel * C + predicted].
 */
export function evaluateLogits(
  logits: Float64Array,
  labels: ArrayLike<number>,
  B: number,
  C: number,
): { correct: number; confusion: Float64Array; predictions: Int32Array } {
  checkLength('logits', logits, B * C);
  checkLabels(labels, B, C);
  const predictions = new Int32Array(B);
  const confusion = new Float64Array(C * C);
  let correct = 0;
  for (let r = 0; r < B; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) {
      if (logits[r * C + c] > logits[r * C + best]) best = c;
    }
    predictions[r] = best;
    confusion[labels[r] * C + best] += 1;
    if (best === labels[r]) correct++;
  }
  return { correct, confusion, predictions };
}

/** Gathers the images at `indices` from a (count, imageSize) u8 array into a (B, imageSize) batch of pixels/255. */
export function pixelsToInput(pixels: Uint8Array, indices: ArrayLike<number>, imageSize: number): Float64Array {
  checkDim('imageSize', imageSize);
  if (imageSize > 0 && pixels.length % imageSize !== 0) {
    throw new RangeError(`pixels length ${pixels.length} is not a multiple of imageSize ${imageSize}`);
  }
  const count = imageSize > 0 ? pixels.length / imageSize : 0;
  const out = new Float64Array(indices.length * imageSize);
  for (let r = 0; r < indices.length; r++) {
    const idx = indices[r];
    if (!Number.isInteger(idx) || idx < 0 || idx >= count) {
      throw new RangeError(`indices[${r}] = ${idx} is outside [0, ${count})`);
    }
    for (let k = 0; k < imageSize; k++) out[r * imageSize + k] = pixels[idx * imageSize + k] / 255;
  }
  return out;
}
