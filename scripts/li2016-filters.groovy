// Li et al. 2016, "Pruning Filters for Efficient ConvNets", on Fashion-MNIST: train a dense network,
// measure how sensitive each layer is to losing filters (one layer at a time, ratios 0.1 to 0.9), let the
// budget solver pick per-layer ratios that cut 35% of the FLOPs, prune those filters and neurons by their
// L1 norm (Li et al.) or by Taylor (Molchanov et al.), remove them physically, and fine-tune the smaller
// network. Every pruned run loads the same dense model and has a control (control true): the dense model
// fine-tuned on exactly the pruned one's examples, so the table separates what pruning costs from what the
// extra epochs give, and reports against the control first.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur plan scripts/li2016-filters.groovy              # what would be removed, before anything runs
//   bin/secateur run scripts/li2016-filters.groovy               # full data: LeNet-5 and the small ResNet
//   bin/secateur run scripts/li2016-filters.groovy quick         # embedded subset, a few minutes
//   bin/secateur run scripts/li2016-filters.groovy full lenet-5  # one model (also vgg-small, resnet-small)
//
// Taylor needs gradients; the scorer gathers them for ComputationGraphs too, so the ResNet is pruned by both.

boolean quick = args.length > 0 && args[0] == 'quick'
def models = args.length > 1 ? args[1..-1] : ['lenet-5', 'resnet-small']
def dataset = quick ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')
def allCriteria = ['l1': ['magnitude', [norm: 'l1']], 'taylor': ['taylor', [:]]]
// [dense epochs, fine-tuning epochs]; the ResNet trains ~3x slower per example on 2 cores
def epochs = ['resnet-small': [3, 1]].withDefault { [4, 2] }

def rows = []
models.each { arch ->
    def (trainEpochs, tuneEpochs) = epochs[arch]
    def dense = run(baseline("li2016-${arch}-dense") {
        seed 2016
        model { train arch, epochs: trainEpochs, batch: 64, lr: 1e-3 }
        data dataset
    })
    def baseline = dense.runDir.resolve('model-final.zip').toString()
    def pruned = experiment("li2016-${arch}-pruned") {
        seed 2016
        model { load baseline }
        data dataset
        granularity filters()                      // whole filters and neurons; the output layer stays
        sensitivity { samples 2000 }               // ratios 0.1 .. 0.9, one layer at a time
        scope fromSensitivity(budget: flops(0.35))
        schedule 'one-shot'
        finetune epochs: tuneEpochs, lr: 3e-4
        control true
    }
    allCriteria.each { label, c ->
        def (id, opts) = c
        def r = run(explain(experiment("li2016-${arch}-${label}", from: pruned) {
            saliency opts, id
        }))
        if (r.planned) return                      // bin/secateur plan: nothing ran
        def d = r.dense, p = r.last
        rows << [arch, label, d.accuracy(), r.controlAccuracy, p.accuracy(), 1 - p.flops() / d.flops(),
                 1 - p.params() / d.params(), 1 - p.largeBatchLatencyMs() / d.largeBatchLatencyMs()]
    }
}

println()
println String.format('%-13s %-7s %8s %9s %11s %8s %8s %8s %8s %9s', 'model', 'pruning', 'pruned', 'control', 'vs control',
        'dense', 'vs dense', 'FLOPs', 'params', 'b256 time')
rows.each { m, s, da, ca, pa, fc, pc, lc ->
    println String.format('%-13s %-7s %7.2f%% %8.2f%% %+11.2f %7.2f%% %+8.2f %7.1f%% %7.1f%% %8.1f%%', m, s, 100 * pa, 100 * ca,
            100 * (pa - ca), 100 * da, 100 * (pa - da), -100 * fc, -100 * pc, -100 * lc)
}
println '(control: the dense model fine-tuned on exactly the pruned one\'s examples. FLOPs, params and b256 time are changes ' +
        'against the dense model; b256 time compares rows timed at different moments, so quote the side-by-side ' +
        'latency printed under "shrink:" above, with its per-layer profile)'
