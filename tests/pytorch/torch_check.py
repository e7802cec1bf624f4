"""The PyTorch side of tests/pytorch.gpu.test.ts: real PyTorch on the files our engine writes.

    /usr/bin/python3 tests/pytorch/torch_check.py CHECK DIR

The test writes DIR/job.json (and the files it names) and reads back DIR/result.json (and the files named
here). PyTorch and numpy must be importable from /usr/bin/python3 (Debian: apt-get install -y python3-torch);
without them this exits with that message and the test fails. Checks:

  order   the engine's shuffle reproduced here (scripts/torch_mlp.py): job {state: [4 words], n, epochs};
          result {orders: one permutation per epoch}.
  logits  our exported weights DIR/weights.safetensors into the lesson's nn.Sequential with
          load_state_dict(strict=True); job {count}: logits of the first `count` test images (pixels / 255,
          float32) into DIR/logits.safetensors ('logits', (count, 10)).
  train   PyTorch trains the lesson's recipe itself: job {seed, steps, lr, batch}; torch.manual_seed(seed),
          nn.Linear's default initialization then nn.init.xavier_uniform_ on every weight, Adam, batches of a
          torch.randperm per epoch with the tail dropped. Weights into DIR/weights.safetensors; result
          {correct, count, predictions, near_ties (how many test images have their top two logits within 1e-4)}.
  parity  from our initial weights DIR/initial.safetensors, our batches: job {recipe, batches: [[row, ...],
          ...]}; one torch.optim step per batch. Result {losses}; weights into DIR/final.safetensors.

Continuing one of our checkpoints is scripts/continue_in_pytorch.py itself; the test runs that script.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "scripts"))
import torch_mlp  # noqa: E402  (exits with the install command when PyTorch is missing)
from torch_mlp import build_model, load_dataset, load_weights, read_safetensors, state_dict_arrays, train_steps, write_safetensors  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

def lesson_model():
    """The lesson's model, written out as the lesson writes it."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def check_order(folder, job, data):
    rng = torch_mlp.EngineRng(job["state"])
    return {"orders": [torch_mlp.permutation(job["n"], rng).tolist() for _ in range(job["epochs"])]}


def check_logits(folder, job, data):
    model = lesson_model()
    tensors, _ = read_safetensors(folder / "weights.safetensors")
    model.load_state_dict({name: torch.from_numpy(value) for name, value in tensors.items()}, strict=True)
    with torch.no_grad():
        logits = model(torch_mlp.inputs(data["test_images"], slice(0, job["count"])))
    write_safetensors(folder / "logits.safetensors", {"logits": logits.numpy()}, {"format": "pt"})
    return {"count": job["count"]}


def check_train(folder, job, data):
    torch.manual_seed(job["seed"])
    model = lesson_model()
    for module in model:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=job["lr"])
    images, labels = data["train_images"], data["train_labels"]
    steps_per_epoch = len(images) // job["batch"]
    batches = []
    while len(batches) < job["steps"]:
        order = torch.randperm(len(images)).numpy()
        batches += [order[s * job["batch"]:(s + 1) * job["batch"]] for s in range(steps_per_epoch)]
    losses = train_steps(model, optimizer, images, labels, batches[:job["steps"]])
    write_safetensors(folder / "weights.safetensors", state_dict_arrays(model), {"format": "pt"})
    with torch.no_grad():
        logits = model(torch_mlp.inputs(data["test_images"], slice(None)))
    top2 = logits.topk(2, dim=1).values
    predicted = logits.argmax(dim=1).numpy()
    return {
        "correct": int((predicted == data["test_labels"]).sum()),
        "count": len(predicted),
        "predictions": predicted.tolist(),
        "near_ties": int((top2[:, 0] - top2[:, 1] < 1e-4).sum()),
        "last_loss": losses[-1],
    }


def check_parity(folder, job, data):
    recipe = job["recipe"]
    model = build_model(recipe["layers"])
    tensors, _ = read_safetensors(folder / "initial.safetensors")
    load_weights(model, tensors)
    optimizer = torch_mlp.make_optimizer(model, recipe)
    batches = [np.array(rows, dtype=np.int64) for rows in job["batches"]]
    losses = train_steps(model, optimizer, data["train_images"], data["train_labels"], batches)
    write_safetensors(folder / "final.safetensors", state_dict_arrays(model), {"format": "pt"})
    return {"losses": losses}


CHECKS = {"order": check_order, "logits": check_logits, "train": check_train, "parity": check_parity}


def main(argv):
    if len(argv) != 2 or argv[0] not in CHECKS:
        raise SystemExit(f"usage: /usr/bin/python3 tests/pytorch/torch_check.py {{{'|'.join(CHECKS)}}} DIR")
    folder = Path(argv[1])
    job = json.loads((folder / "job.json").read_text())
    data = load_dataset(job.get("data")) if argv[0] != "order" else None
    result = CHECKS[argv[0]](folder, job, data)
    result["torch"] = torch.__version__
    (folder / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
