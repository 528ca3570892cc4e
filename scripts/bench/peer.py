"""PyTorch's half of `scripts/bench/run.sh peer`: the work PeerBench.java gives Secateur, done in PyTorch.

The same networks (LeNet-5 as in Caffe, LeNet-300-100, and Secateur's vgg-small and resnet-small), Adam at
lr 1e-3, the same example counts and batch sizes, the same warm-up, Fashion-MNIST scaled to [0, 1]; and gpt-tiny
on the bytes of the Python 3.11 documentation's sources, as PeerBench.java gives it to Secateur. Every
figure is one line `PEER pytorch <figure> <value>`. The thread count is OMP_NUM_THREADS, as for the JVM;
torch is held to it for intra-op work and to one inter-op thread, so that it never runs more threads than
Secateur does.

    python3 scripts/bench/peer.py DATA_DIR LENET5_EXAMPLES LENET300_EXAMPLES [SMALL_CONV_EXAMPLES [GPT_SEQUENCES]]
"""
import copy
import glob
import gzip
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir):
    def images(name):
        x = idx(os.path.join(data_dir, name)).astype(np.float32) / 255.0
        return torch.from_numpy(x.reshape(-1, 1, 28, 28).copy())

    def labels(name):
        return torch.from_numpy(idx(os.path.join(data_dir, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def lenet5(conv1=20, conv2=50, dense=500):
    # no activation after the convolutions, as in Caffe's LeNet and Secateur's Architecture.LENET_5
    return nn.Sequential(nn.Conv2d(1, conv1, 5), nn.MaxPool2d(2, 2), nn.Conv2d(conv1, conv2, 5), nn.MaxPool2d(2, 2),
                         nn.Flatten(), nn.Linear(conv2 * 16, dense), nn.ReLU(), nn.Linear(dense, 10))


def lenet300():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(),
                         nn.Linear(100, 10))


def vgg_small():
    """Architecture.VGG_SMALL: two blocks of two 3x3 'same' convolutions (16, then 32) with batch norm and ReLU,
    each block max-pooled; dense 128 and the output."""
    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*block(1, 16), *block(16, 16), nn.MaxPool2d(2, 2), *block(16, 32), *block(32, 32),
                         nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


class SameStride2(nn.Module):
    """DL4J's ConvolutionMode.Same at stride 2 on an even size: one row and column of zeros after, none before."""

    def __init__(self, c_in, c_out, kernel):
        super().__init__()
        self.pad = kernel > 1
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)) if self.pad else x)


class ResNetSmall(nn.Module):
    """Architecture.RESNET_SMALL: a 3x3 stem of 16 at stride 2, a block of 16 (identity shortcut), a block of 32
    at stride 2 (1x1 projection), a block of 32 (identity); batch norm after every convolution, ReLU after the
    first of each block's pair and after each add; global average pooling and the output."""

    def __init__(self):
        super().__init__()
        bn = nn.BatchNorm2d
        self.stem, self.stem_bn = SameStride2(1, 16, 3), bn(16)
        self.b1a, self.b1a_bn, self.b1b, self.b1b_bn = nn.Conv2d(16, 16, 3, padding=1), bn(16), nn.Conv2d(16, 16, 3, padding=1), bn(16)
        self.b2a, self.b2a_bn, self.b2b, self.b2b_bn = SameStride2(16, 32, 3), bn(32), nn.Conv2d(32, 32, 3, padding=1), bn(32)
        self.b2p, self.b2p_bn = SameStride2(16, 32, 1), bn(32)
        self.b3a, self.b3a_bn, self.b3b, self.b3b_bn = nn.Conv2d(32, 32, 3, padding=1), bn(32), nn.Conv2d(32, 32, 3, padding=1), bn(32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        x = F.relu(self.b1b_bn(self.b1b(F.relu(self.b1a_bn(self.b1a(x))))) + x)
        x = F.relu(self.b2b_bn(self.b2b(F.relu(self.b2a_bn(self.b2a(x))))) + self.b2p_bn(self.b2p(x)))
        x = F.relu(self.b3b_bn(self.b3b(F.relu(self.b3a_bn(self.b3a(x))))) + x)
        return self.out(x.mean((2, 3)))


class Block(nn.Module):
    """One of gpt-tiny's pre-layer-norm blocks, in GptTiny.java's layout: separate Q, K and V layers, causal attention
    computed in full and masked (as CausalSelfAttention does, and nanoGPT without flash attention), the output
    projection, and a GELU MLP four times as wide (PyTorch's tanh form of GELU), each added to the residual stream."""

    def __init__(self, d, heads, mlp, context):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.proj = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.up, self.down = nn.Linear(d, mlp), nn.Linear(mlp, d)
        self.register_buffer("future", torch.triu(torch.ones(context, context, dtype=torch.bool), diagonal=1))

    def forward(self, x):
        b, t, d = x.shape
        h = self.norm1(x)
        q, k, v = (layer(h).view(b, t, self.heads, d // self.heads).transpose(1, 2) for layer in (self.q, self.k, self.v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads)
        attention = F.softmax(scores.masked_fill(self.future[:t, :t], float("-inf")), dim=-1)
        x = x + self.proj((attention @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.down(F.gelu(self.up(self.norm2(x)), approximate="tanh"))


class GptTiny(nn.Module):
    """GptShape.DEFAULT: 4 blocks, d 128, 4 heads, MLP 512, context 128, 256 byte tokens; 875,520 parameters."""

    def __init__(self, layers=4, d=128, heads=4, mlp=512, context=128, vocabulary=256):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocabulary, d), nn.Parameter(torch.zeros(context, d))
        self.blocks = nn.Sequential(*(Block(d, heads, mlp, context) for _ in range(layers)))
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, vocabulary)

    def forward(self, ids):
        return self.head(self.norm(self.blocks(self.tokens(ids) + self.positions[:ids.shape[1]])))


def fold_batch_norm(model):
    """A copy for inference with each batch norm folded into the convolution before it, as Secateur runs its networks
    for evaluation and latency (BatchNormFolding), so that both sides compute the same arithmetic."""
    model = copy.deepcopy(model).eval()
    if isinstance(model, nn.Sequential):
        layers = list(model)
        for i in range(len(layers) - 1):
            if isinstance(layers[i], nn.Conv2d) and isinstance(layers[i + 1], nn.BatchNorm2d):
                layers[i], layers[i + 1] = fuse_conv_bn_eval(layers[i], layers[i + 1]), nn.Identity()
        return nn.Sequential(*layers)
    for name, child in list(model.named_children()):
        bn = getattr(model, name + "_bn", None)
        if isinstance(bn, nn.BatchNorm2d):
            if isinstance(child, SameStride2):
                child.conv = fuse_conv_bn_eval(child.conv, bn)
            else:
                setattr(model, name, fuse_conv_bn_eval(child, bn))
            setattr(model, name + "_bn", nn.Identity())
    return model


def corpus(context=128):
    """Every *.txt of the Python 3.11 documentation's sources in path order, cut into sequences of context + 1 bytes."""
    files = sorted(glob.glob("/usr/share/doc/python3.11/html/_sources/**/*.txt", recursive=True))
    text = b"".join(open(f, "rb").read() for f in files)
    whole = len(text) // (context + 1)
    return torch.from_numpy(np.frombuffer(text[:whole * (context + 1)], dtype=np.uint8).astype(np.int64)).view(whole, context + 1)


def gpt_tiny(sequences):
    """PeerBench.gptTiny's work: Adam at 3e-3 in steps of 16 sequences, evaluation in batches of 256, latency of 1 and 8."""
    windows = corpus()
    train_w, test_w, warm_w = windows[:sequences], windows[sequences:sequences + 512], windows[sequences + 512:sequences + 576]
    model = GptTiny()
    assert sum(p.numel() for p in model.parameters()) == 875520

    def fit(rows):
        optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
        model.train()
        start = time.perf_counter()
        for i in range(0, len(rows), 16):
            batch = rows[i:i + 16]
            optimiser.zero_grad()
            logits = model(batch[:, :-1])
            F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1)).backward()
            optimiser.step()
        return len(rows) / (time.perf_counter() - start)

    fit(warm_w)
    figure("train.gpt-tiny.b16.examples_per_s", fit(train_w))
    model.eval()
    with torch.no_grad():
        model(warm_w[:, :-1])
        start = time.perf_counter()
        loss = 0.0
        for i in range(0, len(test_w), 256):
            batch = test_w[i:i + 256]
            logits = model(batch[:, :-1])
            loss += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1), reduction="sum").item()
        seconds = time.perf_counter() - start
    figure("eval.gpt-tiny.b256.examples_per_s", len(test_w) / seconds)
    figure("eval.gpt-tiny.loss", loss / test_w[:, 1:].numel())
    for batch in (1, 8):
        figure(f"latency.gpt-tiny.b{batch}.ms", latency(model, test_w[:batch, :-1].contiguous(), 5, 30))


def flops(model):
    """Multiply-adds times two per example, convolutions and dense layers, as Secateur's census counts them."""
    total, size = 0, 28
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            size = size - layer.kernel_size[0] + 1
            total += 2 * layer.in_channels * layer.out_channels * layer.kernel_size[0] ** 2 * size * size
        elif isinstance(layer, nn.MaxPool2d):
            size //= 2
        elif isinstance(layer, nn.Linear):
            total += 2 * layer.in_features * layer.out_features
    return total


def train(model, x, y, batch, seed):
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    model.train()
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        rows = order[i:i + batch]
        optimiser.zero_grad()
        loss = F.cross_entropy(model(x[rows]), y[rows])
        loss.backward()
        optimiser.step()
    return len(x) / (time.perf_counter() - start)


def latency(model, x, warmup, repeats):
    """The median wall time of one forward pass in ms, as Secateur's Evaluator.latencyMs measures it."""
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def perceptron_parts(model, test_x):
    """One evaluation batch (1,000 test images) taken apart, as PeerBench does: the whole forward pass, and its three
    matrix products alone (no bias, no ReLU), x times each weight's transpose as nn.Linear multiplies."""
    x = test_x[:1000].reshape(1000, -1).contiguous()
    weights = [m.weight.detach() for m in model if isinstance(m, nn.Linear)]

    def products(h):
        for w in weights:
            h = torch.mm(h, w.t())
        return h
    figure("eval.lenet-300-100.b1000.forward.ms", latency(model, test_x[:1000], 20, 50))
    figure("eval.lenet-300-100.b1000.matmul.ms", latency(products, x, 20, 50))


def evaluation_batch(model, one):
    """Evaluator.evaluationBatch's rule: 1,000 examples, or fewer where the largest output of a layer would pass
    Evaluator.BATCH_BYTES (4 MB), read from the layers' outputs for one example."""
    sizes = []
    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda _m, _i, out: sizes.append(out.numel() * out.element_size())) for m in leaves]
    try:
        with torch.no_grad():
            model(one)
    finally:
        for hook in hooks:
            hook.remove()
    return max(1, min(1000, (4 << 20) // max(sizes, default=1)))


def batch_latency(model, x, batch):
    # small batches are timed over more passes: each takes well under a millisecond
    return latency(model, x[:batch].contiguous(), 50, 200) if batch <= 8 else latency(model, x[:batch].contiguous(), 3, 15)


def blas():
    """The BLAS, LAPACK and oneDNN libraries this process actually mapped, after a matrix product made torch load them."""
    a = torch.randn(256, 256)
    (a @ a).sum().item()
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps
                       if any(k in line for k in ("blas", "lapack", "dnnl", "mkldnn")) and "/" in line})
    return ",".join(libs) or "none"


def onednn():
    """Whether torch's CPU convolutions go through its bundled oneDNN (mkldnn), and which version."""
    if not torch.backends.mkldnn.is_available():
        return "oneDNN off"
    built = [line.strip(" -") for line in torch.__config__.show().splitlines() if "DNN" in line and " v" in line]
    capability = [line.strip(" -") for line in torch.__config__.show().splitlines() if "CPU capability" in line]
    return "oneDNN on" + "".join(f" ({b})" for b in built + capability)


def figure(name, value):
    print(f"PEER pytorch {name} {value:.6g}", flush=True)


def main():
    data_dir, lenet5_examples, lenet300_examples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    small_conv_examples = int(sys.argv[4]) if len(sys.argv) > 4 else 3000
    gpt_sequences = int(sys.argv[5]) if len(sys.argv) > 5 else 800
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    train_x, train_y, test_x, test_y = load(data_dir)
    gen = torch.Generator().manual_seed(2)
    warm = torch.randperm(len(train_x), generator=gen)[:500]
    print(f"PEER pytorch backend torch {torch.__version__}, {onednn()}, threads {torch.get_num_threads()} intra-op and "
          f"{torch.get_num_interop_threads()} inter-op, OMP_PROC_BIND={os.environ.get('OMP_PROC_BIND', 'unset')} "
          f"OMP_PLACES={os.environ.get('OMP_PLACES', 'unset')}", flush=True)
    print(f"PEER pytorch libraries {blas()}", flush=True)
    for name, build, examples in (("lenet-5", lenet5, lenet5_examples), ("lenet-300-100", lenet300, lenet300_examples),
                                  ("vgg-small", vgg_small, small_conv_examples), ("resnet-small", ResNetSmall, small_conv_examples)):
        if examples == 0:
            continue  # left out: only the other models are compared
        rows = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(1))[:examples]
        x, y = train_x[rows], train_y[rows]
        for batch in (64, 128):
            model = build()
            train(model, train_x[warm], train_y[warm], batch, 1)
            figure(f"train.{name}.b{batch}.examples_per_s", train(model, x, y, batch, 1))
        model = build()
        train(model, x, y, 64, 1)
        model = fold_batch_norm(model)
        batch = evaluation_batch(model, test_x[:1])
        with torch.no_grad():
            model(test_x[:2000])  # warm-up
            # the median of three passes over the test images, as PeerBench times them; each computes what Secateur's
            # Evaluator does, the accuracy and the mean cross-entropy, in batches sized as the Evaluator sizes them
            passes = []
            for _ in range(3):
                start = time.perf_counter()
                correct, loss = 0, 0.0
                for i in range(0, len(test_x), batch):
                    scores = model(test_x[i:i + batch])
                    correct += (scores.argmax(1) == test_y[i:i + batch]).sum().item()
                    loss += F.cross_entropy(scores, test_y[i:i + batch], reduction="sum").item()
                passes.append(time.perf_counter() - start)
            seconds = statistics.median(passes)
        figure(f"eval.{name}.batch", batch)
        figure(f"eval.{name}.examples_per_s", len(test_x) / seconds)
        figure(f"eval.{name}.accuracy", correct / len(test_x))
        figure(f"eval.{name}.loss", loss / len(test_x))
        for batch in (1, 8, 256):
            figure(f"latency.{name}.b{batch}.ms", batch_latency(model, test_x, batch))
        if name == "lenet-300-100":
            perceptron_parts(model, test_x)
        if name == "lenet-5":
            # li2016-filters.groovy's FLOPs budget: 20% of conv1's filters, 30% of conv2's (PeerBench's shape)
            pruned = lenet5(16, 35, 500).eval()
            before, after = [], []
            for _ in range(3):
                before.append(batch_latency(model, test_x, 256))
                after.append(batch_latency(pruned, test_x, 256))
            flops_cut = 1 - flops(pruned) / flops(model)
            figure("pruned.lenet-5.flops_cut", flops_cut)
            figure("pruned.lenet-5.b256.dense_ms", statistics.median(before))
            figure("pruned.lenet-5.b256.pruned_ms", statistics.median(after))
            figure("pruned.lenet-5.latency_cut_per_flops_cut",
                   (1 - statistics.median(after) / statistics.median(before)) / flops_cut)
    if gpt_sequences > 0:
        gpt_tiny(gpt_sequences)


if __name__ == "__main__":
    main()
