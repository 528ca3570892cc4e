// Choosing the recipe for resnet-small with half its FLOPs removed on a validation split, before the test split
// is read (scripts/flops-half.groovy resnet-small missed its target by 0.51 points on the test split with a
// 3-epoch dense model; docs/results/recovery.md section 3b). Two dense trainings, 3 and 8 epochs, on the training
// images less 10,000 held out; each is pruned as flops-half.groovy does (seed 1) with its control; the table
// reports validation accuracy.
//
//   bin/secateur run scripts/resnet-recipe-validation.groovy

def dataset = fashionMnist(source: 'installed', validation: 10000)
def results = [3, 8].collect { epochs ->
    def dense = run(baseline("resnet-val-dense-${epochs}") {
        seed 2016
        model { train 'resnet-small', epochs: epochs, batch: 64, lr: 1e-3 }
        data dataset
    })
    run(experiment("resnet-val-flops50-dense${epochs}") {
        seed 1
        model { load dense.runDir.resolve('model-final.zip').toString() }
        data dataset
        saliency 'magnitude', norm: 'l1'
        granularity filters()
        sensitivity { samples 2000 }
        scope fromSensitivity(budget: flops(0.5))
        schedule 'iterative', steps: 2
        finetune epochs: 1, lr: 1e-3
        evaluate every: 'final'
        control true
    })
}
println table(results)
results.each { r ->
    println String.format('%s: validation accuracy %.2f%%, control %.2f%%, %+.2f points, FLOPs cut %.1f%%', r.experiment(),
            100 * r.accuracy, 100 * r.controlAccuracy, 100 * r.accuracyVsControl, 100 * (1 - r.last.flops() / r.dense.flops()))
}
