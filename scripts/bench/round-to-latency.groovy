// Does channel rounding (round_to, as in Torch-Pruning) change latency here? LeNet-5 (20 and 50 filters, 500
// neurons) loses 45% of its filters and neurons layer-wise by L1 norm and is shrunk, once with the kept counts as
// they fall and once with each rounded up to a multiple of 8; nothing is fine-tuned, since latency does not depend
// on the weights. The two run alternately, ROUNDS times, and each row's latency is the median forward time of a
// 256-example batch of the shrunk network relative to the dense one of the same run.
//
//   bin/secateur run scripts/bench/round-to-latency.groovy [ROUNDS]
int rounds = args.length > 0 ? args[0] as int : 3
def dense = run(baseline('round-to-dense') {
    seed 8
    model { train 'lenet-5', epochs: 1 }
    data fashionMnist(source: 'embedded', train: 2000, test: 1000)
})
def denseModel = dense.runDir.resolve('model-final.zip').toString()
def pruned = { int roundTo ->
    experiment("round-to-${roundTo}") {
        seed 8
        model { load denseModel }
        data fashionMnist(source: 'embedded', train: 2000, test: 1000)
        saliency 'magnitude', norm: 'l1'
        granularity filters(round_to: roundTo)
        scope layerwise()
        schedule 'one-shot', target: 0.45
        finetune epochs: 0
        evaluate latencyRepeats: 100, latencyWarmup: 50, largeBatch: 256
    }
}
def ratios = [1: [], 8: []]
def flops = [:]
rounds.times {
    [1, 8].each { n ->
        def r = run(pruned(n))
        ratios[n] << r.last.largeBatchLatencyMs() / r.dense.largeBatchLatencyMs()
        flops[n] = 1 - r.last.flops() / r.dense.flops()
    }
}
def median = { List<Double> v -> def s = v.sort(false); s[s.size().intdiv(2)] }
[1, 8].each { n ->
    println String.format('round_to %d: FLOPs cut %.1f%%, b256 latency %s of the dense model (median %.3f, latency cut %.1f%%)',
            n, 100 * flops[n], ratios[n].collect { String.format('%.3f', it) }, median(ratios[n]), 100 * (1 - median(ratios[n])))
}
