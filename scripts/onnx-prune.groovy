// The worked example of docs/onnx.md: prune a model you already have. A network trained by PyTorch
// (scripts/interop/train_example.py) comes in as ONNX and is measured as it is; then half its FLOPs go, in
// whole filters chosen by Li et al.'s sensitivity analysis under a FLOPs budget and removed physically, with a
// dense control that retrains on exactly the same examples; the smaller network goes back out as ONNX
// (RUN/export/model.onnx), and the speed account at removal times both in onnxruntime.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/onnx-prune.groovy scripts/interop/example/fashion-cnn.onnx round_to=1     # the small CNN
//   bin/secateur run scripts/onnx-prune.groovy scripts/interop/example/fashion-resnet.onnx budget=0.45
//   bin/secateur run scripts/onnx-prune.groovy train=20000 samples=500 epochs=1                 # the MobileNet
//   bin/secateur run scripts/onnx-prune.groovy scripts/interop/example/fashion-resnet.onnx budget=0.45 recover=2000
//   bin/secateur run scripts/onnx-prune.groovy path/to/net.onnx quick                         # embedded subset, a look
//   bin/secateur run scripts/onnx-prune.groovy path/to/net.onnx round_to=1                    # no rounding
//
// Your own model needs 28x28 grey inputs and 10 classes, prepared as x/255; declare other preprocessing in the
// data block (mean: [...], std: [...]).

boolean quick = args.contains('quick')
// round_to=16 keeps every layer's channels a multiple of 16, the block onnxruntime's CPU convolutions compute in on
// AVX-512 (8 on AVX2): other counts are padded up or leave that layout, and the FLOPs saved do not become time saved
int roundTo = (args.find { it.startsWith('round_to=') } ?: 'round_to=16').substring(9) as int
double budget = (args.find { it.startsWith('budget=') } ?: 'budget=0.5').substring(7) as double
// DL4J runs the MobileNet's depthwise convolutions slowly (about 300 images/s evaluated here): train=20000 retrains on
// a seeded sample of the training split, samples=500 sizes the sensitivity analysis, epochs=1 the retraining per round
int trainExamples = (args.find { it.startsWith('train=') } ?: 'train=0').substring(6) as int
int probeSamples = (args.find { it.startsWith('samples=') } ?: 'samples=2000').substring(8) as int
int roundEpochs = (args.find { it.startsWith('epochs=') } ?: 'epochs=2').substring(7) as int
// recover=2000 prices each point of the sensitivity analysis after retraining a copy on 2,000 examples (docs/dsl.md,
// recovery-aware sensitivity), instead of by its accuracy drop right after the cut; quick leaves it out
int recoverExamples = (args.find { it.startsWith('recover=') } ?: 'recover=0').substring(8) as int
// a trained model sits at the end of its learning-rate schedule: each round retrains from lr= down a cosine to 0
double rate = (args.find { it.startsWith('lr=') } ?: 'lr=5e-4').substring(3) as double
def onnxFile = args.find { it.endsWith('.onnx') } ?: 'scripts/interop/example/fashion-mobilenet.onnx'
def name = new File(onnxFile).name.replaceFirst(/\.onnx$/, '')
def dataset = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed', train: trainExamples)

def imported = run(baseline("${name}-imported") {
    model { load onnxFile }
    data dataset
})

def pruned = run(experiment("${name}-flops${Math.round(100 * budget)}") {
    seed 1
    model { load onnxFile }
    data dataset
    saliency 'magnitude', norm: 'l1'
    granularity filters(round_to: roundTo)
    sensitivity {
        samples quick ? 500 : probeSamples
        recover quick ? 0 : recoverExamples
    }
    scope fromSensitivity(budget: flops(budget))
    schedule 'iterative', steps: 2
    finetune epochs: quick ? 1 : roundEpochs, lr: rate, decay: 'cosine'
    evaluate every: 'step'
    control true
    export onnx: true
})
println table([imported, pruned])
println String.format('%s imported: accuracy %.2f%%; pruned: FLOPs cut %.1f%%, params cut %.1f%%, accuracy %.2f%%, '
        + 'against the control %+.2f points; ONNX: %s', onnxFile, 100 * imported.accuracy,
        100 * (1 - pruned.last.flops() / pruned.dense.flops()), 100 * (1 - pruned.last.params() / pruned.dense.params()),
        100 * pruned.accuracy, 100 * pruned.accuracyVsControl, pruned.runDir.resolve('export/model.onnx'))
