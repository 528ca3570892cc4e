// Molchanov et al. 2016's question on a network with residual adds and batch normalisation: how well does each
// criterion rank the filters of resnet-small (a ComputationGraph) against the oracle, the measured loss change of
// removing each filter with its batch-norm channel? Every convolution that leads its own channels (the rest share
// them with a residual add), each scored from one statistics pass over
// 1,024 calibration examples of the training split. The chance level is printed with the table: with n filters,
// Spearman's rho of unrelated rankings has a standard deviation of about 1/sqrt(n - 1).
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/molchanov2016-resnet.groovy
//   bin/secateur run scripts/molchanov2016-resnet.groovy seeds 1,2,3    # once per seed: training, calibration sample
//   bin/secateur run scripts/molchanov2016-resnet.groovy quick          # embedded subset

boolean quick = 'quick' in args
boolean seedsGiven = 'seeds' in args
for (long s in seedsArgument([2016L])) {
    // the seed in the name only when asked for seeds, so that the default run keeps its name
    def result = run(experiment("molchanov-resnet${seedsGiven ? "-seed-${s}" : ''}") {
        seed s
        model { train 'resnet-small', epochs: 1, batch: 64, lr: 1e-3 }  // one epoch: ~150 examples/s here
        data quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')
        calibration samples: quick ? 256 : 1024
        compare {
            criteria 'magnitude', 'activation', 'taylor', 'random'
            against 'oracle'
            layer '0_W', '2_W', '7_W', '9_W', '14_W'        // the convolutions whose filters can be ranked alone; the others share channels through residual adds
            granularity filters()
        }
    })
    println "\nresnet-small (dense accuracy ${String.format('%.2f%%', 100 * result.accuracy)}), filters against the oracle:"
    println result.correlationTable
    [16, 32].each { n ->
        println String.format('chance: with %d filters, |rho| above %.2f is unlikely at the 5%% level (1.96/sqrt(n - 1))', n, 1.96 / Math.sqrt(n - 1))
    }
    println "Molchanov et al. 2016 (VGG-16, Spearman): weight 0.27, activation 0.56, Taylor 0.73"
}
