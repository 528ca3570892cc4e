// How much the Han et al. 90% result moves with the fine-tuning seed: the same dense baseline, the same
// recipe as scripts/han2015-lenet300.groovy, four seeds for the order of the fine-tuning batches.
//
//   bin/secateur run scripts/han2015-seed-spread.groovy runs/han-dense-<id>/model-final.zip

if (args.length < 1) {
    throw new IllegalArgumentException("give the dense baseline, e.g. runs/han-dense-<id>/model-final.zip from scripts/han2015-lenet300.groovy")
}
def baseline = args[0]
def results = [2015, 1, 2, 3].collect { s ->
    run(experiment("han-magnitude-90-seed-${s}") {
        seed s
        model { load baseline }
        data fashionMnist(source: 'installed')
        saliency 'magnitude'
        scope global()
        schedule 'iterative', target: 0.9, steps: 4, ramp: 'geometric'
        finetune epochs: 3, batch: 128, lr: 1e-3, l2: 1e-4
        evaluate every: 'final'
        control true
    })
}
println table(results)
def vs = results.collect { 100 * it.accuracyVsControl }
double mean = vs.sum() / vs.size()
println String.format('against the dense control retrained on the same examples, over %d seeds: mean %+.2f points '
        + '(sd %.2f), from %+.2f to %+.2f', vs.size(), mean,
        Math.sqrt(vs.collect { (it - mean) * (it - mean) }.sum() / (vs.size() - 1)), vs.min(), vs.max())
def drops = results.collect { 100 * it.accuracyDrop }
println String.format('change against the dense model over %d seeds: mean %.2f points, from %.2f to %.2f; %d of %d within 0.5 points',
        drops.size(), -drops.sum() / drops.size(), -drops.max(), -drops.min(), drops.count { it <= 0.5 }, drops.size())
