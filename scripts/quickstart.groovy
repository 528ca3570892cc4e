// Quick start: LeNet-300-100 on the Fashion-MNIST subset embedded in Secateur.
// Train a dense baseline, then prune it iteratively to 90% global magnitude sparsity in three rounds
// (Han et al. 2015), fine-tuning with the masks held fixed after each round.
//
//   bin/secateur run scripts/quickstart.groovy

def spec = experiment('quickstart') {
    seed 42
    model { train 'lenet-300-100', epochs: 4, batch: 64, lr: 1e-3 }
    data fashionMnist(source: 'embedded')
    saliency 'magnitude'
    granularity unstructured()
    scope global()
    schedule 'iterative', target: 0.9, steps: 3
    finetune epochs: 2, lr: 5e-4, l2: 1e-4               // Han et al. retrained with an L2 penalty
    evaluate every: 'step'
}

def result = run(spec)
println "Pruned to ${String.format('%.1f', 100 * result.sparsity)}% sparsity: accuracy " +
        "${String.format('%.2f', 100 * result.accuracy)}% against ${String.format('%.2f', 100 * result.dense.accuracy)}% dense, " +
        "${String.format('%.1f', result.compression)}x fewer nonzero parameters."
