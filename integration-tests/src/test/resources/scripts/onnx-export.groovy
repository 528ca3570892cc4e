// Integration test: resnet-small on a small subset of the embedded Fashion-MNIST, half the filters of every
// group removed physically in one step, and the final network written as ONNX when the run completes.
def result = run(experiment('it-onnx') {
    seed 5
    model { train 'resnet-small', epochs: 1 }
    data fashionMnist(source: 'embedded', train: 600, test: 200)
    granularity filters()
    scope layerwise()
    schedule 'one-shot', target: 0.5
    finetune epochs: 1
    evaluate every: 'final', latencyRepeats: 3, latencyWarmup: 1, largeBatch: 0
    export onnx: true
})
println "RESULT params=${result.steps().last().params()} dense=${result.steps().first().params()}"
