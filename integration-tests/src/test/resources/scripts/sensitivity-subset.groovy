// Integration test: Li et al.'s flow on a subset. Sensitivity of each LeNet-5 layer at three ratios, per-layer
// ratios chosen to cut 30% of the FLOPs, filters and neurons removed physically, then fine-tuning.
def spec = experiment('it-li2016') {
    seed 5
    model { train 'lenet-5', epochs: 1 }
    data fashionMnist(source: 'embedded', train: 1000, test: 300)
    saliency 'magnitude', norm: 'l1'
    granularity filters()
    sensitivity { ratios 0.25, 0.5, 0.75; samples 300 }
    scope fromSensitivity(budget: flops(0.3))
    schedule 'one-shot'
    finetune epochs: 1
    evaluate latencyRepeats: 5
}
def result = run(explain(spec))
println "RESULT params=${result.last.params()} dense=${result.dense.params()}"
