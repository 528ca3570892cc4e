// Integration test: Li et al.'s sensitivity analysis of LeNet-5 on the embedded subset, with the budget solver's
// choice; under --cluster its probes run on the workers. Fine-tuning and timings are kept short: the
// analysis and the choice are what the cluster changes.
def spec = experiment('it-cluster-li2016') {
    seed 5
    model { train 'lenet-5', epochs: 1 }
    data fashionMnist(source: 'embedded', train: 1000, test: 300)
    saliency 'magnitude', norm: 'l1'
    granularity filters()
    sensitivity { ratios 0.25, 0.5, 0.75; samples 300 }
    scope fromSensitivity(budget: flops(0.3))
    schedule 'one-shot'
    finetune epochs: 0
    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
}
def result = run(spec)
println "RESULT params=${result.last.params()} dense=${result.dense.params()}"
