// Integration test: LeNet-5 with whole convolution filters and dense neurons removed (masked), AGP schedule.
def result = run(experiment('it-lenet5-filters') {
    seed 3
    model { train 'lenet-5', epochs: 1 }
    data fashionMnist(source: 'embedded', train: 600, test: 300)
    saliency 'magnitude'
    granularity filters(norm: 'l1')
    scope layerwise()
    schedule 'agp', target: 0.5, steps: 2
    finetune epochs: 1
    evaluate every: 'final', latencyRepeats: 5
})
println "RESULT sparsity=${result.sparsity}"
