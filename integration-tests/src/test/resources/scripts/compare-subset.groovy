// Integration test: rank-correlate criteria with the oracle on LeNet-300-100's second hidden layer,
// then prune one-shot with layer-wise OBS at 2:4, and by global magnitude with |w| and with LAMP, all from the
// same trained model.
def dense = run(experiment('it-compare') {
    seed 5
    model { train 'lenet-300-100', epochs: 1 }
    data fashionMnist(source: 'embedded', train: 2000, test: 500)
    calibration samples: 256
    compare {
        criteria 'magnitude', 'taylor', 'obd', 'random'
        against 'oracle'
        layer '1_W'
        granularity neurons()
    }
})
println dense.correlationTable
def nm = run(experiment('it-obs-2of4') {
    seed 5
    model { load dense.runDir.resolve('model-final.zip').toString() }
    data fashionMnist(source: 'embedded', train: 2000, test: 500)
    saliency 'obs'
    calibration samples: 256
    granularity nm(2, 4)
    scope layerwise()
    schedule 'one-shot', target: 0.5
    finetune epochs: 0
})
println "RESULT nm-sparsity=${nm.sparsity} nm-accuracy=${nm.accuracy} dense=${nm.dense.accuracy}"
// Global magnitude at 99.5%, no retraining, scored by |w| and by LAMP (Lee et al. 2021): LAMP normalises each
// weight by its layer's larger weights, so the one threshold lands differently in each layer and no layer is emptied
['l1', 'lamp'].each { String norm ->
    def global = run(experiment("it-global-${norm}") {
        seed 5
        model { load dense.runDir.resolve('model-final.zip').toString() }
        data fashionMnist(source: 'embedded', train: 2000, test: 500)
        saliency 'magnitude', norm: norm
        scope global()
        schedule 'one-shot', target: 0.995
        finetune epochs: 0
        evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
    })
    println "RESULT ${norm} sparsity=${global.sparsity} " + global.last.layerSparsity().collect { k, v -> "${k}=${v}" }.join(' ')
}
