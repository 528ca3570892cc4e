#!/usr/bin/python3
"""The worked examples of the ONNX docs: small networks trained in torch, exported to ONNX.

It trains a network (--arch: by default a small CNN with batch norm, a residual
block and a depthwise convolution; or a small ResNet; or a MobileNetV2-style net) on
the full Fashion-MNIST (60,000 training images, from the IDX files of Debian's
dataset package), measures its accuracy on the 10,000 test images in eval mode,
and exports it with the BatchNormalization nodes kept (opset 13, dynamic batch
axis). Next to the ONNX file it writes a JSON record of the run, with the class
it predicts for each test image, so that a Java test can compare image by image.

Preprocessing: pixels scaled x/255 to [0,1]; no mean/std normalisation.

Run it from the repository root with Debian's python, which has torch and onnx
(apt-get install python3-torch python3-onnx):

    /usr/bin/python3 scripts/interop/train_example.py [--arch cnn|resnet|mobilenet]
        [--out scripts/interop/example/fashion-<arch>.onnx]

It is deterministic for a given seed, torch build and thread count.
"""
import argparse
import gzip
import json
import pathlib
import re
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")
OPSET = 13


def read_images(path):
    raw = gzip.decompress(path.read_bytes())
    assert int.from_bytes(raw[0:4], "big") == 0x803
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, rows, cols)
    return torch.from_numpy(pixels.astype(np.float32) / 255)      # x/255, no mean/std


def read_labels(path):
    raw = gzip.decompress(path.read_bytes())
    assert int.from_bytes(raw[0:4], "big") == 0x801
    return torch.from_numpy(np.frombuffer(raw, np.uint8, offset=8).astype(np.int64))


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3)                  # 16x28x28, then max pool: 16x14x14
        self.res_a = conv_bn(16, 16, 3)                # residual block of 16
        self.res_b = conv_bn(16, 16, 3)
        self.down = conv_bn(16, 32, 3, stride=2)       # 32x7x7
        self.depthwise = conv_bn(32, 32, 3, groups=32)
        self.pointwise = conv_bn(32, 64, 1)            # 64x7x7
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.stem(x)), 2)
        x = F.relu(x + self.res_b(F.relu(self.res_a(x))))
        x = F.relu(self.down(x))
        x = F.relu(self.depthwise(x))
        x = F.relu(self.pointwise(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class BasicBlock(nn.Module):
    """ResNet basic block: conv-BN-ReLU-conv-BN, plus the input (or its 1x1 conv + BN projection), ReLU."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv_a = conv_bn(cin, cout, 3, stride)
        self.conv_b = conv_bn(cout, cout, 3)
        self.shortcut = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.conv_b(F.relu(self.conv_a(x))) + self.shortcut(x))


class FashionResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3)                  # 16x28x28
        self.block1 = BasicBlock(16, 16)               # 16x28x28, identity shortcut
        self.block2 = BasicBlock(16, 32, stride=2)     # 32x14x14, projection shortcut
        self.block3 = BasicBlock(32, 64, stride=2)     # 64x7x7, projection shortcut
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = self.block3(self.block2(self.block1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def relu6(x):
    # what nn.ReLU6 computes; torch 1.13 exports it as one Clip with Constant bounds, whereas F.relu6
    # comes out as Relu, then Clip with its bounds passed through Cast nodes, an op Secateur does not map
    return F.hardtanh(x, 0.0, 6.0)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand + BN + ReLU6, 3x3 depthwise + BN + ReLU6, 1x1 project + BN;
    the input added when the stride is 1 and the channels match."""

    def __init__(self, cin, cout, expand, stride=1):
        super().__init__()
        hidden = cin * expand
        self.expand = conv_bn(cin, hidden, 1)
        self.depthwise = conv_bn(hidden, hidden, 3, stride, groups=hidden)
        self.project = conv_bn(hidden, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = relu6(self.expand(x))
        y = relu6(self.depthwise(y))
        y = self.project(y)
        return x + y if self.residual else y


class FashionMobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3)                  # 16x28x28
        self.blocks = nn.Sequential(
            InvertedResidual(16, 16, 4),               # 16x28x28, residual
            InvertedResidual(16, 24, 4, stride=2),     # 24x14x14
            InvertedResidual(24, 24, 4),               # 24x14x14, residual
            InvertedResidual(24, 32, 4, stride=2),     # 32x7x7
            InvertedResidual(32, 32, 4))               # 32x7x7, residual
        self.head = conv_bn(32, 96, 1)                 # 96x7x7
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        x = relu6(self.stem(x))
        x = relu6(self.head(self.blocks(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


# name: (network, description, default epochs, train in channels-last memory format)
# Channels-last only speeds up the CPU training of the two bigger nets (a third faster
# for the MobileNet); they go back to the default format before the final evaluation
# and the export. The CNN keeps the default format so that its output does not change.
ARCHS = {
    "cnn": (FashionCnn,
            "conv3x3 16 + BN + ReLU, max pool 2; residual block of 16 (conv-BN-ReLU-conv-BN + identity, "
            "ReLU); conv3x3 32 stride 2 + BN + ReLU; depthwise conv3x3 32 + BN + ReLU; "
            "conv1x1 32->64 + BN + ReLU; global average pool; flatten; Linear 64->10",
            4, False),
    "resnet": (FashionResNet,
               "conv3x3 16 + BN + ReLU (28x28); basic block 16 (conv3x3-BN-ReLU-conv3x3-BN + identity, ReLU); "
               "basic block 16->32 stride 2 with conv1x1 + BN projection shortcut (14x14); "
               "basic block 32->64 stride 2 with conv1x1 + BN projection shortcut (7x7); "
               "global average pool; flatten; Linear 64->10",
               4, True),
    "mobilenet": (FashionMobileNet,
                  "conv3x3 16 + BN + ReLU6 (28x28); inverted residual blocks (conv1x1 expand + BN + ReLU6, "
                  "depthwise conv3x3 + BN + ReLU6, conv1x1 project + BN, identity add when stride 1 and "
                  "in == out), expand 4: 16->16 residual, 16->24 stride 2, 24->24 residual, 24->32 stride 2, "
                  "32->32 residual; conv1x1 32->96 + BN + ReLU6; global average pool; flatten; Linear 96->10",
                  2, True),
}


def unshare_initializers(graph):
    """Undoes what torch 1.13's export does to parameters of equal value: it keeps one initializer and
    reads the others through Identity nodes. In the ResNet the BN biases of a block's second conv and of
    its projection shortcut are equal (both start at 0 and, summed by the same Add, get the same
    gradients). Each such Identity becomes an initializer of its own again, a copy, so that the file
    holds every parameter as a weight; returns how many it replaced."""
    initializers = {t.name: t for t in graph.initializer}
    shared = [n for n in graph.node if n.op_type == "Identity" and n.input[0] in initializers]
    for node in shared:
        copy = onnx.TensorProto()
        copy.CopyFrom(initializers[node.input[0]])
        copy.name = node.output[0]
        graph.initializer.append(copy)
        graph.node.remove(node)
    return len(shared)


def evaluate(model, images, batch=1000):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[i:i + batch]) for i in range(0, len(images), batch)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=list(ARCHS), default="cnn",
                        help="cnn (the default, the docs' example), resnet or mobilenet")
    parser.add_argument("--out", type=pathlib.Path,
                        help="the ONNX file to write (default scripts/interop/example/fashion-<arch>.onnx)")
    parser.add_argument("--epochs", type=int, help="default 4 for cnn and resnet, 2 for mobilenet")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the result depends on it)")
    args = parser.parse_args()
    if args.out is None:
        args.out = pathlib.Path(f"scripts/interop/example/fashion-{args.arch}.onnx")
    network, architecture, default_epochs, channels_last = ARCHS[args.arch]
    if args.epochs is None:
        args.epochs = default_epochs

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)

    train_x = read_images(DATA / "train-images-idx3-ubyte.gz")
    train_y = read_labels(DATA / "train-labels-idx1-ubyte.gz")
    test_x = read_images(DATA / "t10k-images-idx3-ubyte.gz")
    test_y = read_labels(DATA / "t10k-labels-idx1-ubyte.gz")
    assert len(train_x) == 60_000 and len(test_x) == 10_000

    model = network()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = (len(train_x) + args.batch - 1) // args.batch
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, epochs=args.epochs,
                                                   steps_per_epoch=steps_per_epoch)
    shuffle = torch.Generator().manual_seed(args.seed)

    start = time.monotonic()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=shuffle)
        total = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        accuracy = (evaluate(model, test_x).argmax(1) == test_y).float().mean().item()
        print(f"epoch {epoch + 1}: train loss {total / len(order):.4f}, test accuracy {accuracy:.4f}, "
              f"{time.monotonic() - start:.0f} s", flush=True)
    train_seconds = time.monotonic() - start
    if channels_last:
        model = model.to(memory_format=torch.contiguous_format)

    logits = evaluate(model, test_x)
    predicted = logits.argmax(1)
    correct = int((predicted == test_y).sum())
    top2 = logits.topk(2, 1).values
    margin = top2[:, 0] - top2[:, 1]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    torch.onnx.export(model, test_x[:2], str(args.out), opset_version=OPSET,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    exported = onnx.load(str(args.out))
    unshared = unshare_initializers(exported.graph)
    if unshared:            # never for the CNN, whose file stays as torch wrote it
        onnx.save(exported, str(args.out))
    onnx.checker.check_model(exported, full_check=True)

    record = {
        "model": args.out.name,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "opset": OPSET,
        "input": {"name": "input", "shape": ["batch", 1, 28, 28], "type": "float32"},
        "output": {"name": "logits", "shape": ["batch", 10], "type": "float32"},
        "preprocessing": {"scale": "1/255", "mean_std_normalisation": False,
                          "description": "pixel bytes x/255 to [0,1], nothing else"},
        "data": {"train": "train-images-idx3-ubyte.gz (60000)", "test": "t10k-images-idx3-ubyte.gz (10000)",
                 "source": str(DATA)},
        "architecture": architecture,
        "export": "eval mode, torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False: BatchNormalization kept",
        "parameters": params,
        "epochs": args.epochs,
        "batch": args.batch,
        "optimizer": f"Adam, one-cycle learning rate peaking at {args.lr}",
        "seed": args.seed,
        "threads": args.threads,
        "train_seconds": round(train_seconds, 1),
        "test_accuracy": correct / len(test_y),
        "test_correct": correct,
        "test_total": len(test_y),
        "ops": sorted({n.op_type for n in exported.graph.node}),
        "test_logits_first_4": [[round(v, 5) for v in row] for row in logits[:4].tolist()],
        "test_top2_margin_min": float(margin.min()),
        "test_top2_margin_below_1e-4": int((margin < 1e-4).sum()),
        "test_predictions": "".join(str(int(c)) for c in predicted),
    }
    if unshared:            # not written for the CNN, whose record stays as it was
        record["export"] += (f"; {unshared} parameters torch wrote as Identity nodes reading an equal parameter "
                             "are initializers of their own again")
    if channels_last:       # not written for the CNN, whose record stays as it was
        record["train_memory_format"] = "channels_last (the exported model and the recorded logits: contiguous)"
    json_path = args.out.with_suffix(".json")
    text = json.dumps(record, indent=1)
    # one line per list of numbers or strings
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "]", text)
    json_path.write_text(text + "\n")
    print(f"{args.out}: {args.out.stat().st_size} bytes, {params} parameters; "
          f"test accuracy {correct / len(test_y):.4f} ({correct}/10000), trained in {train_seconds:.0f} s; "
          f"record in {json_path}")


if __name__ == "__main__":
    main()
