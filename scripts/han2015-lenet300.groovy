// Han et al. 2015, "Learning both Weights and Connections", on LeNet-300-100 — with full Fashion-MNIST
// (the paper used MNIST: 267K -> 22K parameters, error 1.64% -> 1.59%).
//
// One dense baseline is trained and saved; every pruning run loads that same model, so step 0 of each
// run is the same dense network and the comparisons are like for like. The retrained runs have a control:
// the dense model retrained on exactly their examples, which they are judged against first.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/han2015-lenet300.groovy
//   bin/secateur run scripts/han2015-lenet300.groovy quick    # fewer epochs, for a look in a few minutes
//   bin/secateur run scripts/han2015-lenet300.groovy seeds 1,2,3   # once per seed, each with its own dense model

boolean quick = 'quick' in args
// `seeds 1,2,3`: the whole script once per seed, each with its own dense model (default: the one seed 2015)
List<Long> seeds = seedsArgument([2015L])
int baselineEpochs = quick ? 4 : 20
int finetuneEpochs = quick ? 1 : 3
def fullData = fashionMnist(source: 'installed')

for (long s in seeds) {
    def dense = run(baseline("han-dense-seed-${s}") {
        seed s
        model { train 'lenet-300-100', epochs: baselineEpochs, batch: 128, lr: 1e-3 }
        data fullData
    })
    def denseModel = dense.runDir.resolve('model-final.zip').toString()

    // Magnitude pruning with retraining, as in the paper: each round removes the same share of what is left,
    // and retraining uses an L2 penalty, which the paper found best for retraining pruned networks.
    def iterative = { String name, String criterion, double target, int rounds ->
        experiment("${name}-seed-${s}") {
            seed s
            model { load denseModel }
            data fullData
            saliency criterion
            granularity unstructured()
            scope global()
            schedule 'iterative', target: target, steps: rounds, ramp: 'geometric'
            finetune epochs: finetuneEpochs, batch: 128, lr: 1e-3, l2: 1e-4
            control true                           // the dense model retrained on the same examples
        }
    }
    // Pruning once, without retraining, shows what retraining buys.
    def oneShot = { String name, String criterion, double target ->
        experiment("${name}-seed-${s}") {
            seed s
            model { load denseModel }
            data fullData
            saliency criterion
            scope global()
            schedule 'one-shot', target: target
            finetune epochs: 0
        }
    }

    def results = [
        run(iterative('han-magnitude-90', 'magnitude', 0.90, 4)),
        run(iterative('han-magnitude-95', 'magnitude', 0.95, 5)),
        run(oneShot('han-magnitude-90-oneshot', 'magnitude', 0.90)),
        run(iterative('han-random-90', 'random', 0.90, 4)),
        run(oneShot('han-random-90-oneshot', 'random', 0.90)),
    ]

    println "\nSeed ${s}. Dense LeNet-300-100: accuracy ${String.format('%.2f%%', 100 * dense.accuracy)}, ${dense.last.params} parameters"
    println table(results)

    // judged against the stronger of the dense model and its control, as the results pages are
    def at90 = results[0]
    double stronger = Math.max(dense.accuracy, at90.controlAccuracy)
    double vsStronger = 100 * (at90.accuracy - stronger)
    println String.format('Iterative magnitude at 90%%: %+.2f points against the stronger of the dense model and the control '
            + 'retrained on the same examples (acceptance: a loss of at most 0.5 points): %s',
            vsStronger, vsStronger >= -0.5 ? 'MET' : 'NOT MET')
}
println "\nAll seeds, mean and spread: bin/secateur table 'runs/han-magnitude-*' 'runs/han-random-*' --markdown"
