// Li et al. 2016, "Pruning Filters for Efficient ConvNets", on Fashion-MNIST: train a dense network,
// measure how sensitive each layer is to losing filters (one layer at a time, ratios 0.1 to 0.9), let the
// budget solver pick per-layer ratios that cut 35% of the FLOPs, prune those filters and neurons by their
// L1 norm (Li et al.) or by Taylor (Molchanov et al.), remove them physically, and fine-tune the smaller
// network. Every pruned run loads the same dense model and reports against it.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur plan scripts/li2016-filters.groovy              # what would be removed, before anything runs
//   bin/secateur run scripts/li2016-filters.groovy               # full data
//   bin/secateur run scripts/li2016-filters.groovy quick         # embedded subset, a few minutes
//   bin/secateur run scripts/li2016-filters.groovy full vgg-small   # other built-in CNNs

boolean quick = args.length > 0 && args[0] == 'quick'
def models = args.length > 1 ? args[1..-1] : ['lenet-5']
def dataset = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')
def criteria = ['l1': ['magnitude', [norm: 'l1']], 'taylor': ['taylor', [:]]]

def rows = []
models.each { arch ->
    def dense = run(experiment("li2016-${arch}-dense") {
        seed 2016
        model { train arch, epochs: quick ? 3 : 4, batch: 64, lr: 1e-3 }
        data dataset
        granularity filters()
        shrink false
        schedule 'one-shot', target: 0.0
        finetune epochs: 0
    })
    def baseline = dense.runDir.resolve('model-final.zip').toString()
    criteria.each { label, c ->
        def (id, opts) = c
        def r = run(explain(experiment("li2016-${arch}-${label}") {
            seed 2016
            model { load baseline }
            data dataset
            saliency opts, id
            granularity filters()                      // whole filters and neurons; the output layer stays
            sensitivity { samples 2000 }               // ratios 0.1 .. 0.9, one layer at a time
            scope fromSensitivity(budget: flops(0.35))
            schedule 'one-shot'
            finetune epochs: quick ? 2 : 2, lr: 3e-4
        }))
        def d = r.dense, p = r.last
        rows << [arch, label, d.accuracy(), p.accuracy(), 1 - p.flops() / d.flops(), 1 - p.params() / d.params(),
                 1 - p.largeBatchLatencyMs() / d.largeBatchLatencyMs()]
    }
}

println()
println String.format('%-10s %-7s %8s %8s %7s %8s %8s %12s', 'model', 'saliency', 'dense', 'pruned', 'change',
        'FLOPs', 'params', 'b256 latency')
rows.each { m, s, da, pa, fc, pc, lc ->
    println String.format('%-10s %-7s %7.2f%% %7.2f%% %+6.2f %7.1f%% %7.1f%% %11.1f%%', m, s, 100 * da, 100 * pa,
            100 * (pa - da), -100 * fc, -100 * pc, -100 * lc)
}
println '(FLOPs, params and latency are changes against the dense model; the side-by-side latency measured at removal, ' +
        'printed under "shrink:" above, is the figure to quote)'
