// The budget in time rather than FLOPs: Li et al.'s sensitivity analysis, where every probe also times the
// network with only that group removed (batch 256, side by side with the unpruned network), and the budget
// solver adds those savings up, as NetAdapt's per-layer latency tables do. On DL4J's CPU convolutions a
// layer's time follows its input channels more than its filters (docs/results/li2016.md), so a FLOPs budget and a
// latency budget choose different layers.
//
//   bin/secateur run scripts/li2016-filters.groovy full lenet-5          # writes the dense model
//   bin/secateur run scripts/li2016-latency.groovy runs/li2016-lenet-5-dense-<id>/model-final.zip [cut]

if (args.length < 1) {
    throw new IllegalArgumentException('give the dense model: bin/secateur run scripts/li2016-latency.groovy runs/<dense run>/model-final.zip [cut]')
}
def baseline = args[0]
double cut = args.length > 1 ? args[1] as double : 0.3

def r = run(explain(experiment('li2016-latency') {
    seed 2016
    model { load baseline }
    data fashionMnist(source: 'installed')
    saliency 'magnitude', norm: 'l1'
    granularity filters()
    sensitivity { samples 2000 }
    scope fromSensitivity(budget: latency(cut))
    schedule 'one-shot'
    finetune epochs: 2, lr: 3e-4
    control true
}))
if (r.planned) return
def d = r.dense, p = r.last
println String.format('latency budget %.0f%%: accuracy %.2f%% (control %.2f%%, %+.2f; dense %.2f%%, %+.2f), FLOPs %+.1f%%, params %+.1f%%',
        100 * cut, 100 * p.accuracy(), 100 * r.controlAccuracy, 100 * r.accuracyVsControl, 100 * d.accuracy(),
        100 * (p.accuracy() - d.accuracy()),
        -100 * (1 - p.flops() / d.flops()), -100 * (1 - p.params() / d.params()))
