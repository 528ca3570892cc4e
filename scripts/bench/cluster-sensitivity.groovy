// Input of scripts/bench/run.sh cluster: the LeNet-5 sensitivity analysis of scripts/li2016-filters.groovy on the
// full Fashion-MNIST (filters and neurons, ratios 0.1 to 0.9, 2,000 samples, a 35% FLOPs budget).
//   dense EPOCHS    trains and saves li2016's dense LeNet-5 (seed 2016, batch 64, lr 1e-3)
//   analysis MODEL  the analysis and the budget's choice on that model, without fine-tuning
// The analysis costs the same however long the model trained, so the benchmark trains one epoch by default.
if (args.length < 2 || !(args[0] in ['dense', 'analysis'])) {
    throw new IllegalArgumentException('give dense EPOCHS or analysis MODEL')
}
def mode = args[0], given = args[1]
if (mode == 'dense') {
    run(baseline('bench-lenet5-dense') {
        seed 2016
        model { train 'lenet-5', epochs: given as int, batch: 64, lr: 1e-3 }
        data fashionMnist(source: 'installed')
    })
} else {
    run(experiment('bench-lenet5-sensitivity') {
        seed 2016
        model { load given }
        data fashionMnist(source: 'installed')
        saliency 'magnitude', norm: 'l1'
        granularity filters()
        sensitivity { samples 2000 }
        scope fromSensitivity(budget: flops(0.35))
        schedule 'one-shot'
        finetune epochs: 0
        evaluate latencyRepeats: 3, largeBatch: 0
    })
}
