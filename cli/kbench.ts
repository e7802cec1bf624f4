import { createNodeContext } from '../src/gpu/node.ts';
import { prepareMatmul, type MatmulShape } from '../src/gpu/matmul.ts';
import { view, encode } from '../src/gpu/dispatch.ts';
const ctx = await createNodeContext({ maxStorageBufferBindingSize: 1 << 28, maxBufferSize: 1 << 28 });
const buf = (n: number) => ctx.createStorage('x', new Float32Array(n).map(() => Math.random()), 'activations');
async function bench(s: MatmulShape, label: string) {
  const { M, N, K } = s;
  const d = await prepareMatmul(ctx, s, { a: view(buf(M * K), 0, M * K), b: view(buf(K * N), 0, K * N), c: view(buf(M * N), 0, M * N), bias: s.bias || s.biasGrad ? view(buf(Math.max(M, N)), 0, s.biasGrad ? M : N) : undefined, aux: s.mask ? view(buf(M * N), 0, M * N) : undefined }, label);
  const reps = 5;
  const go = async () => { const e = ctx.device.createCommandEncoder(); const p = e.beginComputePass(); for (let i = 0; i < reps; i++) encode(p, [d]); p.end(); ctx.device.queue.submit([e.finish()]); await ctx.device.queue.onSubmittedWorkDone(); };
  await go();
  const t = performance.now(); await go(); const dt = (performance.now() - t) / 1000 / reps;
  console.log(`${label.padEnd(28)} ${M}x${N}x${K}: ${(dt * 1000).toFixed(1)} ms  ${(2 * M * N * K / dt / 1e9).toFixed(2)} GFLOP/s`);
}
await bench({ M: 100, N: 256, K: 784, transB: true, bias: true, relu: true }, 'fwd1 NT (f32 A)');
await bench({ M: 100, N: 256, K: 256, transB: true, bias: true, relu: true }, 'fwd2 NT');
await bench({ M: 100, N: 10, K: 256, transB: true, bias: true }, 'fwd3 NT');
await bench({ M: 256, N: 784, K: 100, transA: true, biasGrad: true }, 'dW1 TN');
await bench({ M: 256, N: 256, K: 100, transA: true, biasGrad: true }, 'dW2 TN');
await bench({ M: 10, N: 256, K: 100, transA: true, biasGrad: true }, 'dW3 TN');
await bench({ M: 100, N: 256, K: 256, mask: true }, 'dX1 NN');
await bench({ M: 100, N: 256, K: 10, mask: true }, 'dX2 NN');
await bench({ M: 1000, N: 256, K: 784, transB: true, bias: true, relu: true }, 'eval fwd1 NT');
await bench({ M: 1024, N: 1024, K: 1024 }, 'NN 1024');
ctx.destroy();
