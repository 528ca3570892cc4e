// LeNet-300-100 at 95% and 98% sparsity (20x and 50x fewer nonzero weights), judged against a dense control
// that retrains on exactly the same examples, over three seeds, on the Fashion-MNIST test split.
//
// The recipe was chosen on a validation split by scripts/recovery-ablation.groovy (learning-rate rewinding
// was best there against its control) and is run here once on the test split, unchanged: global magnitude
// pruning in geometric rounds (Han et al. 2015), each round retrained 2 epochs at the dense training's rate.
// Each seed trains its own dense model (10 epochs, Adam, batch 128); the 95% and 98% runs of a seed share it.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/lenet300-high-sparsity.groovy
//   bin/secateur run scripts/lenet300-high-sparsity.groovy quick    # the embedded subset, one seed, for a look
//   bin/secateur run scripts/lenet300-high-sparsity.groovy finetune # only the fine-tuning recipe's 95% runs
//
// A control retrains like its pruned model, so the learning-rate-rewound runs' controls retrain at 1e-3. The
// recipe that fine-tunes at 1e-4 has the stronger control (a dense network gains more from further training at
// a small rate), so its 95% runs are made too: their control is the strongest equally trained dense model here.

boolean quick = args.length > 0 && args[0] == 'quick'
boolean fineTuneOnly = args.length > 0 && args[0] == 'finetune'
def seeds = quick ? [1] : [1, 2, 3]
def testSplit = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')

def recipe = { String name, long s, double target, int rounds, boolean rewindLr ->
    experiment(name) {
        seed s
        model { train 'lenet-300-100', epochs: quick ? 2 : 10, batch: 128, lr: 1e-3 }
        data testSplit
        saliency 'magnitude'
        scope global()
        schedule 'iterative', target: target, steps: rounds, ramp: 'geometric'
        finetune epochs: quick ? 1 : 2, batch: 128, lr: 1e-4, l2: 1e-4
        rewind rewindLr ? 'lr' : 'none'
        evaluate every: 'final'
        control true
    }
}
def specs = []
seeds.each { s ->
    if (!fineTuneOnly) {
        specs << recipe("lenet300-95-seed-${s}", s, 0.95, 5, true)
        specs << recipe("lenet300-98-seed-${s}", s, 0.98, 7, true)
    }
    specs << recipe("lenet300-95-finetune-seed-${s}", s, 0.95, 5, false)
}
def results = runAll(specs)
println table(results)

[[0.95, true], [0.98, true], [0.95, false]].each { target, rewound ->
    def runs = results.findAll { Math.abs(it.sparsity - target) < 1e-3 && it.experiment.contains('finetune') != rewound }
    if (runs.isEmpty()) return
    print(rewound ? 'learning-rate rewinding, ' : 'fine-tuning at 1e-4, ')
    def vs = runs.collect { 100 * it.accuracyVsControl }
    def acc = runs.collect { 100 * it.accuracy }
    double mean = vs.sum() / vs.size()
    double spread = Math.sqrt(vs.collect { (it - mean) * (it - mean) }.sum() / Math.max(1, vs.size() - 1))
    println String.format('%.0f%% sparsity over %d seeds: accuracy %.2f%% (%.2f to %.2f), against the control %+.2f points '
            + '(sd %.2f, from %+.2f to %+.2f); target: no more than 0.5 points below: %s', 100 * target, runs.size(),
            acc.sum() / acc.size(), acc.min(), acc.max(), mean, spread, vs.min(), vs.max(), mean >= -0.5 ? 'MET' : 'NOT MET')
}
