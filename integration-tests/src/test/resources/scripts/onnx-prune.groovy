// Integration test: a model exported by PyTorch (the path is the script's argument) imported from ONNX, half the
// filters of every removable group removed physically in one step on a subset of the embedded Fashion-MNIST,
// one epoch of fine-tuning, and the smaller network written back as ONNX.
def torchModel = args[0]
def result = run(experiment('it-onnx-prune') {
    seed 3
    model { load torchModel }
    data fashionMnist(source: 'embedded', train: 600)
    saliency 'magnitude', norm: 'l1'
    granularity filters()
    scope layerwise()
    schedule 'one-shot', target: 0.5
    finetune epochs: 1
    evaluate every: 'step', latencyRepeats: 3, latencyWarmup: 1, largeBatch: 0
    export onnx: true
})
println "RESULT accuracy=${result.accuracy}"
