// Why round_to matters where the model is deployed: the MobileNet-style test model, half the filters of every group
// removed in one step (no retraining; its weights are random, so only the speed is of interest), once with each
// layer's kept count as it falls and once rounded up to a multiple of 16. The speed account at removal times the
// dense and the shrunk network side by side in onnxruntime (one thread).
//
//   bin/secateur run scripts/bench/onnx-round-to.groovy

def testModel = 'framework/core/src/test/resources/dev/secateur/onnx/mobilenet.onnx'
[1, 16].each { r ->
    run(experiment("onnx-round-to-${r}") {
        seed 3
        model { load testModel }
        data fashionMnist(source: 'embedded', train: 300)
        saliency 'magnitude', norm: 'l1'
        granularity filters(round_to: r)
        scope layerwise()
        schedule 'one-shot', target: 0.5
        finetune epochs: 0
        evaluate every: 'final', latencyRepeats: 3, latencyWarmup: 1, largeBatch: 0
    })
}
