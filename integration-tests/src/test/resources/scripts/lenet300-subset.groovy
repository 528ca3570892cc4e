// Integration test: LeNet-300-100 on a seeded subset of the embedded Fashion-MNIST, pruned iteratively
// to 90% global magnitude sparsity in three rounds with one fine-tuning epoch each.
def result = run(experiment('it-lenet300') {
    seed 11
    model { train 'lenet-300-100', epochs: 2 }
    data fashionMnist(source: 'embedded', train: 3000, test: 1000)
    saliency 'magnitude'
    granularity unstructured()
    scope global()
    schedule 'iterative', target: 0.9, steps: 3
    finetune epochs: 1
    evaluate every: 'step', latencyRepeats: 10
})
println "RESULT sparsity=${result.sparsity} accuracy=${result.accuracy} dense=${result.dense.accuracy}"
