// The worked example of docs/onnx.md: prune a model you already have. A small CNN trained by PyTorch
// (scripts/interop/train_example.py: batch norm, a residual block, a depthwise convolution) comes in as ONNX,
// is measured as it is, then loses half its FLOPs in whole filters, removed physically, with a dense control
// that retrains on exactly the same examples; the pruned model goes back out as ONNX.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/onnx-prune.groovy                   # the full test split, seed 1
//   bin/secateur run scripts/onnx-prune.groovy quick             # the embedded subset, for a look
//   bin/secateur run scripts/onnx-prune.groovy path/to/net.onnx  # your own model (28x28 grey inputs, 10 classes)

boolean quick = args.contains('quick')
def onnxFile = args.find { it.endsWith('.onnx') } ?: 'scripts/interop/example/fashion-cnn.onnx'
def dataset = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')

def imported = run(baseline('onnx-imported') {
    model { load onnxFile }
    data dataset
})

def pruned = run(experiment('onnx-flops50') {
    seed 1
    model { load onnxFile }
    data dataset
    saliency 'magnitude', norm: 'l1'
    granularity filters()
    sensitivity { samples quick ? 500 : 2000 }
    scope fromSensitivity(budget: flops(0.5))
    schedule 'iterative', steps: 2
    finetune epochs: quick ? 1 : 2, lr: 1e-3
    evaluate every: 'step'
    control true
})
println table([imported, pruned])
println String.format('imported %s: accuracy %.2f%%; pruned: FLOPs cut %.1f%%, accuracy %.2f%%, against the control %+.2f points',
        onnxFile, 100 * imported.accuracy, 100 * (1 - pruned.last.flops() / pruned.dense.flops()), 100 * pruned.accuracy,
        100 * pruned.accuracyVsControl)
