#!/usr/bin/python3
"""Writes the small ONNX test fixtures of secateur-core.

Every valid fixture takes a batch of 28x28 grayscale images, input "input" of
shape [N,1,28,28] float32, N a dynamic axis named "batch", and gives 10 values
per image (output "logits"; "log_probs" for zoo.onnx, which ends in
LogSoftmax). The weights are random (fixed seeds, no training): the fixtures
check that a graph is read and computes the same numbers as onnxruntime, not
that it classifies anything. They are drawn so that the output moves from image
to image, and every BatchNorm gets a random weight and bias and running statistics
measured on real images then perturbed, so that a wrongly read BatchNorm shows.

zoo.onnx is torch's export tidied in two ways (a Java reader meets both forms
in the wild): the Shape/ConstantOfShape/Slice/Transpose/Cast arithmetic that torch
writes for the pads of nn.ZeroPad2d is folded into a constant pads initializer,
and torch's Pad + AveragePool for AvgPool2d(count_include_pad=True) becomes one
AveragePool with pads and count_include_pad=1, which torch cannot write itself.

Run it from the repository root with Debian's python, which has torch and onnx
(apt-get install python3-torch python3-onnx):

    /usr/bin/python3 scripts/interop/make_fixtures.py

The output is byte-identical from run to run with the same torch and onnx.
"""
import collections
import gzip
import pathlib
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

TARGET = pathlib.Path("framework/core/src/test/resources/dev/secateur/onnx")
SUBSET = pathlib.Path("framework/core/src/main/resources/dev/secateur/data/fashion-mnist-subset")
INPUT = "input"
DUMMY = torch.zeros(2, 1, 28, 28)

torch.set_num_threads(1)


# --------------------------------------------------------------------------- models

class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.flatten(x)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)    # 6x28x28
        self.conv2 = nn.Conv2d(6, 16, 5)              # 16x10x10 after the first pool
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)    # 6x14x14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)    # 16x5x5
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus the shortcut (identity, or 1x1 conv + BN), then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = conv_bn(cout, cout, 3)
        self.shortcut = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        return F.relu(y + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3)                 # 16x28x28
        self.block1 = BasicBlock(16, 16, 1)           # 16x28x28, identity shortcut
        self.block2 = BasicBlock(16, 32, 2)           # 32x14x14, projection shortcut
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = self.block2(self.block1(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class InvertedResidual(nn.Module):
    """1x1 expand + BN + ReLU6, 3x3 depthwise + BN + ReLU6, 1x1 project + BN (linear)."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(
            conv_bn(cin, hidden, 1), nn.ReLU6(),
            conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6(),
            conv_bn(hidden, cout, 1))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 16, 3, 2), nn.ReLU6())   # 16x14x14
        self.block1 = InvertedResidual(16, 24, 2, 3)                  # 24x7x7, no residual
        self.block2 = InvertedResidual(24, 24, 1, 3)                  # 24x7x7, residual
        self.head = nn.Sequential(conv_bn(24, 64, 1), nn.ReLU6())     # 64x7x7
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.head(self.block2(self.block1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


class Zoo(nn.Module):
    """The rest of the op list, in one classifier-shaped graph."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)                          # 8x28x28
        self.pool1 = nn.AvgPool2d(3, 2, padding=1, count_include_pad=False)  # 8x14x14
        self.dilated = nn.Conv2d(8, 8, 3, padding=2, dilation=2)            # 8x14x14
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))                               # 8x15x15: right, bottom
        self.asym = nn.Conv2d(8, 8, 2)                                      # 8x14x14
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=2)              # 8x14x14
        self.pool2 = nn.AvgPool2d(3, 1, padding=1, count_include_pad=True)  # 8x14x14
        self.pool3 = nn.AvgPool2d(2)                                        # 16x7x7
        self.w = nn.Parameter(torch.zeros(784, 10))                        # drawn by randomize()
        self.b = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.1)
        x = self.pool1(x)
        x = torch.sigmoid(self.dilated(x))
        x = torch.tanh(self.asym(self.pad(x)))
        a = F.hardswish(self.grouped(x))
        b = self.pool2(x)
        x = self.pool3(torch.cat([a, b], 1))
        x = x.reshape(-1, 784)            # a constant shape [-1, 784] (x.size(0) would add Shape/Gather/...)
        x = torch.matmul(x, self.w) + self.b
        return F.log_softmax(x, 1)


def calibration_images(n=256):
    """The first n training images of the Fashion-MNIST subset embedded in secateur-core, scaled x/255."""
    raw = gzip.decompress((SUBSET / "train-images-idx3-ubyte.gz").read_bytes())
    pixels = np.frombuffer(raw, np.uint8, count=n * 784, offset=16)
    return torch.from_numpy(pixels.reshape(n, 1, 28, 28).astype(np.float32) / 255)


def randomize(model, seed):
    """Random weights scaled so that the output depends on the image (He-normal, not
    torch's default, under which the logits hardly move from image to image), and for
    every BatchNorm random weight and bias with running statistics measured on real
    images then perturbed, so that BatchNorm matters and its inputs are of its scale."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(0.2 * torch.rand(m.bias.shape, generator=g) - 0.1)
            elif isinstance(m, Zoo):            # its MatMul weight, stored [in, out]
                m.w.copy_(torch.randn(m.w.shape, generator=g) * (2 / m.w.shape[0]) ** 0.5)
                m.b.copy_(0.2 * torch.rand(m.b.shape, generator=g) - 0.1)
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        for m in norms:
            c = m.num_features
            m.weight.copy_(0.5 + torch.rand(c, generator=g))
            m.bias.copy_(torch.rand(c, generator=g) - 0.5)
            m.reset_running_stats()
            m.momentum = None                   # running stats: the plain average over the batch
        if norms:
            model.train()
            model(calibration_images())
            for m in norms:
                c = m.num_features
                std = m.running_var.sqrt()
                m.running_mean.add_(std * (torch.rand(c, generator=g) - 0.5))
                m.running_var.mul_(0.5 + 1.5 * torch.rand(c, generator=g))
                m.momentum = 0.1
    return model.eval()


# --------------------------------------------------------------------------- export

class Rgb32(nn.Module):
    """A CNN for 32x32 colour images, the shape of CIFAR-10: it does not fit Fashion-MNIST's 28x28 grey images."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(F.relu(self.conv(x)), 1)
        return self.fc(torch.flatten(x, 1))


class AsTorchWritesIt(nn.Module):
    """Two patterns a plain torch.onnx.export writes: F.relu6 as a Clip whose bounds come through Cast nodes,
    and two parameters of equal value stored once, the second read through an Identity node (here two batch
    norms whose biases are equal, as those of two branches that meet at an Add stay when trained)."""
    def __init__(self):
        super().__init__()
        self.a = conv_bn(1, 8, 3)
        self.b = conv_bn(1, 8, 3)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = F.relu6(self.a(x) + self.b(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def export(model, name, opset, output="logits", keep_batch_norm=False, dummy=DUMMY):
    """torch.onnx.export in eval mode with a dynamic batch axis; returns the ModelProto."""
    model.eval()
    path = TARGET / name
    kwargs = {}
    if keep_batch_norm:
        # PRESERVE with the model in eval mode skips the Conv+BN fusion of EVAL;
        # without constant folding the BatchNormalization nodes stay as they are.
        kwargs = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    torch.onnx.export(model, dummy, str(path), opset_version=opset,
                      input_names=[INPUT], output_names=[output],
                      dynamic_axes={INPUT: {0: "batch"}, output: {0: "batch"}}, **kwargs)
    return onnx.load(str(path))


def save(model, name):
    path = TARGET / name
    onnx.save(model, str(path))
    return model


# A small constant folding, enough for the pads arithmetic that torch writes for
# nn.ZeroPad2d at opset 11 and up, which torch's own constant folding leaves in.
FOLD = {
    "ConstantOfShape": lambda n, a: np.full(a[0].astype(np.int64), attr(n, "value", np.zeros(1, np.float32))[0]),
    "Concat": lambda n, a: np.concatenate(a, attr(n, "axis")),
    "Reshape": lambda n, a: a[0].reshape(reshape_dims(a[0].shape, a[1])),
    "Slice": lambda n, a: slice_(a),
    "Transpose": lambda n, a: np.transpose(a[0], attr(n, "perm")),
    "Cast": lambda n, a: a[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attr(n, "to")]),
}


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            v = helper.get_attribute_value(a)
            return numpy_helper.to_array(v) if isinstance(v, TensorProto) else v
    return default


def reshape_dims(shape, dims):
    return [shape[i] if d == 0 else int(d) for i, d in enumerate(dims)]


def slice_(a):
    data, starts, ends = a[0], a[1], a[2]
    axes = a[3] if len(a) > 3 else range(len(starts))
    steps = a[4] if len(a) > 4 else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        s, e, ax, st = int(s), int(e), int(ax), int(st)
        d = data.shape[ax]
        s, e = s + d if s < 0 else s, e + d if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), d), min(max(e, 0), d)
        else:
            s, e = min(max(s, 0), d - 1), min(max(e, -1), d - 1)
        index[ax] = slice(s, None if e < 0 else e, st)
    return data[tuple(index)]


def fold_constants(model):
    """Evaluates the nodes of FOLD whose inputs are all constant, their results becoming
    initializers; Constant nodes that still feed a kept node stay as they are."""
    graph = model.graph
    known = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    made = []
    kept = []
    for node in graph.node:
        if node.op_type == "Constant":
            known[node.output[0]] = attr(node, "value")
            kept.append(node)
        elif node.op_type in FOLD and all(i in known for i in node.input if i):
            known[node.output[0]] = FOLD[node.op_type](node, [known[i] for i in node.input if i])
            made.append(node.output[0])
        else:
            kept.append(node)
    used = {i for n in kept for i in n.input} | {o.name for o in graph.output}
    kept = [n for n in kept if n.op_type != "Constant" or n.output[0] in used]
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(numpy_helper.from_array(known[name], name) for name in made if name in used)
    return model


def fuse_pad_into_average_pool(model):
    """torch writes AvgPool2d(count_include_pad=True, padding=p) as Pad + AveragePool
    without pads; this gives the one AveragePool with pads and count_include_pad=1."""
    graph = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    consts.update({n.output[0]: attr(n, "value") for n in graph.node if n.op_type == "Constant"})
    producer = {o: n for n in graph.node for o in n.output}
    consumers = collections.Counter(i for n in graph.node for i in n.input)
    drop = []
    for pool in graph.node:
        pad = producer.get(pool.input[0]) if pool.op_type == "AveragePool" else None
        if pad is None or pad.op_type != "Pad" or consumers[pad.output[0]] != 1:
            continue
        pads = consts[pad.input[1]]
        value = consts[pad.input[2]] if len(pad.input) > 2 and pad.input[2] else 0
        if attr(pad, "mode", b"constant") != b"constant" or value != 0 or any(pads[[0, 1, 4, 5]]):
            continue
        assert not any(attr(pool, "pads", [])), "AveragePool after Pad already pads"
        for a in list(pool.attribute):
            if a.name in ("pads", "count_include_pad"):
                pool.attribute.remove(a)
        pool.attribute.extend([helper.make_attribute("pads", [int(p) for p in pads[[2, 3, 6, 7]]]),
                               helper.make_attribute("count_include_pad", 1)])
        pool.input[0] = pad.input[0]
        drop.append(pad)
    for n in drop:
        graph.node.remove(n)
    used = {i for n in graph.node for i in n.input}
    for n in [n for n in graph.node if n.op_type == "Constant" and n.output[0] not in used]:
        graph.node.remove(n)
    return model


# --------------------------------------------------------------------------- hand-made

def image_input():
    return helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["batch", 1, 28, 28])


def logits_output():
    return helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])


def init(rng, name, *shape, scale=None):
    scale = scale if scale is not None else 1 / np.sqrt(np.prod(shape[1:]) if len(shape) > 1 else 10)
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def identity_dropout():
    """Flatten, Gemm (transB=1), Relu, Identity, Dropout (no ratio: inference), Gemm (transB=0)."""
    rng = np.random.default_rng(7)
    nodes = [
        helper.make_node("Flatten", [INPUT], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1", transB=1),
        helper.make_node("Relu", ["fc1"], ["relu1"], name="relu1"),
        helper.make_node("Identity", ["relu1"], ["same"], name="identity"),
        helper.make_node("Dropout", ["same"], ["dropped"], name="dropout"),
        helper.make_node("Gemm", ["dropped", "fc2.weight", "fc2.bias"], ["logits"], name="fc2",
                         alpha=1.0, beta=1.0, transA=0, transB=0),
    ]
    inits = [init(rng, "fc1.weight", 32, 784), init(rng, "fc1.bias", 32, scale=0.1),
             # transB=0: stored [in, out]
             numpy_helper.from_array((rng.standard_normal((32, 10)) / np.sqrt(32)).astype(np.float32), "fc2.weight"),
             init(rng, "fc2.bias", 10, scale=0.1)]
    graph = helper.make_graph(nodes, "identity_dropout", [image_input()], [logits_output()], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="secateur make_fixtures.py")


def small_mlp(name, head, bias_shape=(10,), domain=""):
    """Flatten, Gemm, then `head` nodes reading "fc"; for the edge cases the importer must refuse or read right."""
    rng = np.random.default_rng(11)
    nodes = [helper.make_node("Flatten", [INPUT], ["flat"], name="flatten", axis=1),
             helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["fc"], name="fc", transB=1, domain=domain)]
    nodes += head
    inits = [init(rng, "fc.weight", 10, 784), numpy_helper.from_array(
        (rng.standard_normal(bias_shape) * 0.1).astype(np.float32), "fc.bias")]
    output = nodes[-1].output[0]
    graph = helper.make_graph(nodes, name, [image_input()],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", 10])], inits)
    opsets = [helper.make_opsetid("", 13)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=opsets, producer_name="secateur make_fixtures.py")


def edge_cases():
    """A softmax over the batch (refused), a Gemm of a foreign domain (refused), weights said to live in an
    external file (refused), an input that goes first into a Relu (refused: nothing there says its size), and a
    Gemm whose one bias value broadcasts over the outputs (read)."""
    models = {
        "softmax-axis0.onnx": small_mlp("softmax_axis0", [helper.make_node("Softmax", ["fc"], ["probs"], name="over_batch", axis=0)]),
        "foreign-domain.onnx": small_mlp("foreign_domain", [], domain="com.example"),
        "gemm-scalar-bias.onnx": small_mlp("gemm_scalar_bias", [], bias_shape=(1,)),
    }
    relu_first = small_mlp("relu_first", [])
    relu_first.graph.node[0].input[0] = "rectified"
    relu_first.graph.node.insert(0, helper.make_node("Relu", [INPUT], ["rectified"], name="relu_on_input"))
    models["relu-first.onnx"] = relu_first
    external = small_mlp("external", [])
    weight = external.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value="weights.bin")
    models["external-data.onnx"] = external
    return models


def unsupported_op():
    """Conv, Relu, LRN (named weird_lrn: an op the importer does not take), Flatten, Gemm."""
    rng = np.random.default_rng(11)
    nodes = [
        helper.make_node("Conv", [INPUT, "conv.weight", "conv.bias"], ["conv"], name="conv",
                         kernel_shape=[5, 5], strides=[4, 4]),          # 4x6x6
        helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
        helper.make_node("LRN", ["relu"], ["lrn"], name="weird_lrn", size=3, alpha=1e-4, beta=0.75, bias=1.0),
        helper.make_node("Flatten", ["lrn"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    inits = [init(rng, "conv.weight", 4, 1, 5, 5), init(rng, "conv.bias", 4, scale=0.1),
             init(rng, "fc.weight", 10, 144), init(rng, "fc.bias", 10, scale=0.1)]
    graph = helper.make_graph(nodes, "unsupported_op", [image_input()], [logits_output()], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="secateur make_fixtures.py")


# --------------------------------------------------------------------------- summary

def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def summary(name, model):
    ops = collections.Counter(n.op_type for n in model.graph.node)
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    params = sum(int(np.prod(i.dims)) for i in model.graph.initializer)
    io = " ".join(f"{v.name}{dims(v)}" for v in list(model.graph.input) + list(model.graph.output))
    size = (TARGET / name).stat().st_size
    print(f"{name}: opset {opset}, {size} bytes, {params} params, {io}; "
          + ", ".join(f"{op} x{c}" for op, c in sorted(ops.items())))


def main():
    TARGET.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)                        # randomize() draws every weight; this is for the rest
    valid = {}

    valid["mlp.onnx"] = export(randomize(Mlp(), 1), "mlp.onnx", 13)

    lenet = randomize(LeNet5(), 2)
    valid["lenet5.onnx"] = export(lenet, "lenet5.onnx", 11)
    valid["opset17.onnx"] = export(lenet, "opset17.onnx", 17)

    resnet = randomize(ResNet(), 3)
    valid["resnet.onnx"] = export(resnet, "resnet.onnx", 13, keep_batch_norm=True)
    valid["resnet-folded.onnx"] = export(resnet, "resnet-folded.onnx", 17)

    valid["mobilenet.onnx"] = export(randomize(MobileNet(), 4), "mobilenet.onnx", 13,
                                     keep_batch_norm=True)

    zoo = export(randomize(Zoo(), 5), "zoo.onnx", 13, output="log_probs")
    valid["zoo.onnx"] = save(fuse_pad_into_average_pool(fold_constants(zoo)), "zoo.onnx")

    torch.manual_seed(6)
    valid["rgb32.onnx"] = export(Rgb32(), "rgb32.onnx", 13, dummy=torch.zeros(2, 3, 32, 32))

    as_written = randomize(AsTorchWritesIt(), 7)
    with torch.no_grad():
        as_written.b[1].bias.copy_(as_written.a[1].bias)
    valid["as-torch-writes-it.onnx"] = export(as_written, "as-torch-writes-it.onnx", 13, keep_batch_norm=True)

    for name, model in edge_cases().items():
        save(model, name)
        if name not in ("external-data.onnx", "foreign-domain.onnx"):   # no weights; an op ONNX does not know
            onnx.checker.check_model(model)
        print(f"{name}: an edge case, {(TARGET / name).stat().st_size} bytes")

    valid["identity-dropout.onnx"] = save(identity_dropout(), "identity-dropout.onnx")
    valid["unsupported-op.onnx"] = save(unsupported_op(), "unsupported-op.onnx")

    for name, model in valid.items():
        onnx.checker.check_model(onnx.load(str(TARGET / name)), full_check=True)
        summary(name, model)

    (TARGET / "truncated.onnx").write_bytes((TARGET / "mlp.onnx").read_bytes()[:300])
    (TARGET / "not-onnx.onnx").write_text("This is not an ONNX model, only a text file with an .onnx name.\n")
    for name in ("truncated.onnx", "not-onnx.onnx"):
        print(f"{name}: invalid on purpose, {(TARGET / name).stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
