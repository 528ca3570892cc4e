// One-shot pruning of LeNet-300-100 without fine-tuning: which criterion keeps the most accuracy?
// Magnitude (Han 2015), random, OBD (LeCun 1989), OBS exact (block Fisher) and layer-wise (OBC/SparseGPT),
// Wanda (Sun 2023) and Taylor on neurons (Molchanov 2016), at 50/80/90/95% unstructured and at 2:4.
// Every run loads the same dense model, prunes 0_W and 1_W to the same sparsity each (the 10-class output
// layer, 0.4% of the weights, is kept, as LLM pruning keeps the head) and evaluates on the full test set.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/obs-vs-magnitude.groovy           # 6 min on 2 cores
//   bin/secateur run scripts/obs-vs-magnitude.groovy quick     # embedded subset, a few minutes

boolean quick = args.length > 0 && args[0] == 'quick'
def dataset = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')

def dense = run(baseline('obs-dense') {
    seed 1993
    model { train 'lenet-300-100', epochs: quick ? 4 : 20, batch: 128, lr: 1e-3 }
    data dataset
})

// every run loads the same dense model and prunes 0_W and 1_W one-shot, layer-wise, without fine-tuning;
// the runs below change only the criterion and the sparsity
def oneShot = experiment('obs-one-shot') {
    seed 1993
    model { load dense.runDir.resolve('model-final.zip').toString() }
    data dataset
    scope layerwise(), exclude: ['2_W']
    schedule 'one-shot', target: 0.5
    finetune epochs: 0
}

// criterion label -> [saliency id, options, granularity, calibration samples]
def criteria = [
    'magnitude'      : ['magnitude', [:], unstructured(), 1024],
    'random'         : ['random', [:], unstructured(), 1024],
    'obd'            : ['obd', [:], unstructured(), 1024],
    'obs-layerwise'  : ['obs', [:], unstructured(), 1024],
    'obs-exact'      : ['obs', [mode: 'exact'], unstructured(), 512],
    'wanda'          : ['wanda', [:], unstructured(perOutput: true), 1024],
    'taylor-neurons' : ['taylor', [:], neurons(), 1024],
]
def levels = ['50%': 0.5, '80%': 0.8, '90%': 0.9, '95%': 0.95, '2:4': nm(2, 4)]

def accuracy = [:].withDefault { [:] }
levels.each { level, target ->
    criteria.each { label, c ->
        def (id, opts, gran, samples) = c
        if (target instanceof dev.secateur.spi.Granularity) {
            if (gran instanceof dev.secateur.spi.Granularity.Structured) return   // 2:4 is a weight pattern
            gran = target
        }
        double sparsity = target instanceof dev.secateur.spi.Granularity ? target.sparsity() : target
        def r = run(experiment("obs-${label}-${level.replace('%', '').replace(':', 'of')}", from: oneShot) {
            saliency opts, id
            calibration samples: samples
            granularity gran
            schedule 'one-shot', target: sparsity
        })
        accuracy[label][level] = r.accuracy
    }
}

println "\nDense LeNet-300-100: ${String.format('%.2f%%', 100 * dense.accuracy)} on ${quick ? 'the embedded subset' : 'full Fashion-MNIST'}"
println "One-shot accuracy without fine-tuning (0_W and 1_W pruned to the sparsity in each column):"
def header = String.format('%-16s', 'criterion') + levels.keySet().collect { String.format('%9s', it) }.join('')
println header
println '-' * header.length()
criteria.keySet().each { label ->
    println String.format('%-16s', label) + levels.keySet().collect { level ->
        def a = accuracy[label][level]
        String.format('%9s', a == null ? '-' : String.format('%.2f%%', 100 * a))
    }.join('')
}
