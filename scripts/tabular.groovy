// Data of other shapes: two small data sets that ship inside scikit-learn, written as files by
// scripts/tools/sklearn_data.py and read by the data block's csv and npy sources (docs/data.md).
// - breast-cancer.csv: 569 tumours, 30 numeric features, classes 'malignant' and 'benign'; an mlp (30-64-32-2),
//   features standardised by the training split's mean and std.
// - digits-x.npy / digits-y.npy: 1,797 8×8 grey digits (uint8, [N, 1, 8, 8]); LeNet-5, whose 5×5
//   convolutions are padded on images this small.
// Each is pruned to 80% global magnitude sparsity in two rounds with fine-tuning, judged against a dense control
// retrained on exactly the same examples. Neither file has a test split, so testFraction: 0.25 holds a quarter
// out with a fixed seed: the same test examples for every seed. The settings were written down before any run
// and none was chosen by looking at the test accuracy.
//
//   python3 scripts/tools/sklearn_data.py                      # needs NumPy and scikit-learn; writes data/sklearn
//   bin/secateur run scripts/tabular.groovy                     # seeds 1, 2, 3
//   bin/secateur run scripts/tabular.groovy data/sklearn 7,8    # another directory, other seeds

// read at the top: a script's args are not in scope inside an experiment's closure
def sklearnDir = args.length > 0 ? args[0] : 'data/sklearn'
def seeds = args.length > 1 ? args[1].split(',').collect { s ->
    if (!s.isLong()) {
        throw new IllegalArgumentException("give seeds as 1,2,3, not '${args[1]}': bin/secateur run scripts/tabular.groovy data/sklearn 1,2,3")
    }
    s as long
} : [1L, 2L, 3L]
if (!new File(sklearnDir, 'breast-cancer.csv').isFile() || !new File(sklearnDir, 'digits-x.npy').isFile()) {
    System.err.println "tabular.groovy: ${sklearnDir} lacks breast-cancer.csv or digits-x.npy; write them first with " +
            "python3 scripts/tools/sklearn_data.py --out ${sklearnDir}"
}

def cancerData = csv("${sklearnDir}/breast-cancer.csv", label: 'target', testFraction: 0.25, standardize: true)
def digitData = npy(x: "${sklearnDir}/digits-x.npy", y: "${sklearnDir}/digits-y.npy", testFraction: 0.25)

def tableSpecs = seeds.collect { s ->
    experiment("breast-cancer-mlp-80-seed-${s}") {
        seed s
        model { train 'mlp', hidden: [64, 32], epochs: 30, batch: 32, lr: 1e-3 }
        data cancerData
        saliency 'magnitude'
        granularity unstructured()
        scope global()
        schedule 'iterative', target: 0.8, steps: 2
        finetune epochs: 10, batch: 32, lr: 1e-3
        control true                                   // the dense model retrained on the same examples
    }
}
def digitSpecs = seeds.collect { s ->
    experiment("digits-lenet5-80-seed-${s}") {
        seed s
        model { train 'lenet-5', epochs: 15, batch: 32, lr: 1e-3 }
        data digitData
        saliency 'magnitude'
        granularity unstructured()
        scope global()
        schedule 'iterative', target: 0.8, steps: 2
        finetune epochs: 3, batch: 32, lr: 1e-3
        control true
    }
}
def tableResults = runAll(tableSpecs)
def digitResults = runAll(digitSpecs)

def mean = { List<Double> values -> values.sum() / values.size() }
def report = { String what, List results ->
    println "\n${what}"
    println table(results)
    results.each { r ->
        println String.format('%s: dense %.2f%%, pruned %.2f%% at %.1f%% sparsity, control %.2f%%, pruned - control %+.2f points',
                r.experiment, 100 * r.dense.accuracy, 100 * r.accuracy, 100 * r.sparsity, 100 * r.controlAccuracy,
                100 * r.accuracyVsControl)
    }
    println String.format('%s, mean of %d seed(s): dense %.2f%%, pruned %.2f%%, control %.2f%%, pruned - control %+.2f points',
            what, results.size(), 100 * mean(results.collect { it.dense.accuracy }), 100 * mean(results.collect { it.accuracy }),
            100 * mean(results.collect { it.controlAccuracy }), 100 * mean(results.collect { it.accuracyVsControl }))
}
report('breast cancer, mlp 30-64-32-2, 80% magnitude', tableResults)
report('digits 8x8, LeNet-5 (padded), 80% magnitude', digitResults)
