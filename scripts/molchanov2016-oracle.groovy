// Molchanov et al. 2016, "Pruning Convolutional Neural Networks for Resource Efficient Inference":
// how well does each criterion rank units against the oracle, the measured loss change of removing
// each one? Their Spearman correlations on VGG-16: weight 0.27, activation 0.56, Taylor 0.73.
// Here: LeNet-5 conv filters (0_W, 2_W) and LeNet-300-100 hidden neurons (0_W, 1_W) on Fashion-MNIST,
// each scored from one statistics pass over 1024 calibration examples of the training split.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/molchanov2016-oracle.groovy                # 2 min on 2 cores
//   bin/secateur run scripts/molchanov2016-oracle.groovy seeds 1,2,3    # once per seed: training, calibration sample
//   bin/secateur run scripts/molchanov2016-oracle.groovy quick          # embedded subset, ~1 min

boolean quick = 'quick' in args
// `seeds 1,2,3`: the whole comparison once per seed, each with its own models (default: the one seed 2016)
List<Long> seeds = seedsArgument([2016L])
boolean seedsGiven = 'seeds' in args
def dataset = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')

for (long s in seeds) {
    // the seed in the name only when asked for seeds, so that the default run keeps its names
    String suffix = seedsGiven ? "-seed-${s}" : ''
    def lenet5Spec = experiment("molchanov-lenet5${suffix}") {
        seed s
        model { train 'lenet-5', epochs: quick ? 1 : 2, batch: 64, lr: 1e-3 }
        data dataset
        calibration samples: 1024
        compare {
            criteria 'magnitude', 'activation', 'taylor', 'obd', 'random'
            against 'oracle'
            layer '0_W', '2_W'
            granularity filters()
        }
    }
    def lenet5 = run(lenet5Spec)
    def lenet300 = run(experiment("molchanov-lenet300${suffix}", from: lenet5Spec) {
        model { train 'lenet-300-100', epochs: quick ? 4 : 10, batch: 128, lr: 1e-3 }
        compare {
            criteria 'magnitude', 'activation', 'taylor', 'obd', 'random'
            against 'oracle'
            layer '0_W', '1_W'
            granularity neurons()
        }
    })

    println "\nLeNet-5 (dense accuracy ${String.format('%.2f%%', 100 * lenet5.accuracy)}), filters against the oracle:"
    println lenet5.correlationTable
    println "LeNet-300-100 (dense accuracy ${String.format('%.2f%%', 100 * lenet300.accuracy)}), neurons against the oracle:"
    println lenet300.correlationTable
    println "Molchanov et al. 2016 (VGG-16, Spearman): weight 0.27, activation 0.56, Taylor 0.73"
    println "rank-correlation.csv and rank-correlation.png are in ${lenet5.runDir} and ${lenet300.runDir}"
}
