#!/usr/bin/env node
// Writes the weights of the lesson's model, 784-256-256-10 with ReLUs, the way PyTorch stores them with
//
//   safetensors.torch.save_file(model.state_dict(), path, metadata={"format": "pt"})
//
// for a model built as nn.Sequential(Linear(784, 256), ReLU(), Linear(256, 256), ReLU(), Linear(256, 10)).
// It follows the safetensors specification instead of calling PyTorch, so it runs wherever Node does (the
// tests also check real PyTorch, in tests/pytorch.gpu.test.ts). Standalone: plain JavaScript, no project
// imports, no dependencies.
//
//   node scripts/pytorch-fixture.mjs OUT.safetensors [--seed N] [--no-metadata]
//
// What the file holds, and what was assumed about the serializer (safetensors' Rust `prepare`):
//   - keys 0.weight (256, 784), 0.bias (256), 2.weight (256, 256), 2.bias (256), 4.weight (10, 256),
//     4.bias (10): the state_dict of that Sequential (ReLUs have no parameters, hence 0, 2, 4); weights are
//     (out, in) as nn.Linear keeps them; dtype F32, little-endian, row-major.
//   - tensors are laid out in the data buffer sorted by dtype alignment, largest first, then by name
//     (byte order), and the header lists them in that same order. All six are F32, so the order is by name:
//     0.bias, 0.weight, 2.bias, 2.weight, 4.bias, 4.weight (not the state_dict's insertion order).
//   - the header is compact JSON (serde_json, no spaces): "__metadata__" first, then each tensor as
//     {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}; it is padded with spaces (0x20) until its
//     length is a multiple of 8, so the data buffer starts 8-byte aligned; the 8-byte little-endian length
//     in front counts the padding.
//   - save_file itself writes no "__metadata__" unless given one; {"format": "pt"} is what
//     transformers' save_pretrained and safetensors.torch.save_model pass, and what this project writes.
//     The default here includes it; --no-metadata writes exactly save_file(model.state_dict(), path).
//   - the values are not PyTorch's (its RNG is not reproduced): they are drawn like nn.Linear's default
//     initialization, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases, from the small PRNG below,
//     so a seed always gives the same bytes.
//
// To compare with PyTorch itself on a machine that has it (pip install torch safetensors):
//
//   import torch
//   from safetensors.torch import load_file, save_file
//   model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
//                               torch.nn.ReLU(), torch.nn.Linear(256, 10))
//   save_file(model.state_dict(), "torch.safetensors", metadata={"format": "pt"})  # same layout, its own values
//   model.load_state_dict(load_file("fixture.safetensors"))                          # this script's values...
//   save_file(model.state_dict(), "roundtrip.safetensors", metadata={"format": "pt"})
//
// and `cmp fixture.safetensors roundtrip.safetensors` should report no difference.
import { writeFileSync } from 'node:fs';

const LAYERS = [784, 256, 256, 10];

function usage(message) {
  if (message) console.error(`pytorch-fixture: ${message}`);
  console.error('usage: node scripts/pytorch-fixture.mjs OUT.safetensors [--seed N] [--no-metadata]');
  process.exit(2);
}

function parseArgs(argv) {
  let out = null;
  let seed = 1;
  let metadata = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seed') {
      const text = argv[++i];
      if (text === undefined || !/^\d+$/.test(text) || Number(text) > 0xffffffff) usage(`--seed needs an integer from 0 to 4294967295, got ${text}`);
      seed = Number(text);
    } else if (arg === '--no-metadata') {
      metadata = false;
    } else if (arg === '-h' || arg === '--help') {
      usage();
    } else if (arg.startsWith('-')) {
      usage(`unknown option ${arg}`);
    } else if (out === null) {
      out = arg;
    } else {
      usage(`one output file only, got ${out} and ${arg}`);
    }
  }
  if (out === null) usage('no output file given');
  return { out, seed, metadata };
}

/** SplitMix32: a 32-bit state advanced by the golden-ratio constant, then mixed; uniform in [0, 1). */
function splitmix32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** The state_dict of the Sequential, in its own (insertion) order: each Linear's weight, then its bias. */
function stateDict(seed) {
  const random = splitmix32(seed);
  const tensors = [];
  for (let l = 0; l + 1 < LAYERS.length; l++) {
    const fanIn = LAYERS[l];
    const fanOut = LAYERS[l + 1];
    const bound = 1 / Math.sqrt(fanIn);
    const draw = (n) => Float32Array.from({ length: n }, () => (2 * random() - 1) * bound);
    tensors.push({ name: `${2 * l}.weight`, shape: [fanOut, fanIn], data: draw(fanOut * fanIn) });
    tensors.push({ name: `${2 * l}.bias`, shape: [fanOut], data: draw(fanOut) });
  }
  return tensors;
}

/** Byte-wise comparison of UTF-8 names, as Rust's str ordering does (for these ASCII names, code units agree). */
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function serialize(tensors, metadata) {
  // One dtype (F32, alignment 4), so "alignment descending, then name" is by name alone.
  const ordered = [...tensors].sort(byName);
  const entries = [];
  if (metadata) entries.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const t of ordered) {
    const bytes = 4 * t.data.length;
    entries.push(`${JSON.stringify(t.name)}:{"dtype":"F32","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  }
  const json = Buffer.from(`{${entries.join(',')}}`, 'utf8');
  const headerLength = Math.ceil(json.length / 8) * 8;
  const file = Buffer.alloc(8 + headerLength + offset);
  file.writeBigUInt64LE(BigInt(headerLength), 0);
  json.copy(file, 8);
  file.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of ordered) {
    for (let i = 0; i < t.data.length; i++, at += 4) file.writeFloatLE(t.data[i], at);
  }
  return { file, headerLength, order: ordered.map((t) => t.name) };
}

const { out, seed, metadata } = parseArgs(process.argv.slice(2));
const { file, headerLength, order } = serialize(stateDict(seed), metadata ? { format: 'pt' } : null);
writeFileSync(out, file);
console.log(`wrote ${out}: ${file.length} bytes, header ${headerLength} bytes, seed ${seed}, tensors ${order.join(', ')}`);
