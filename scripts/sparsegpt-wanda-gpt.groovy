// The LLM era in miniature: SparseGPT, Wanda and magnitude on gpt-tiny, a decoder-only transformer trained here on
// the reStructuredText sources of the Python 3.11 documentation (Debian's python3.11-doc), byte by byte.
// The published ordering (Wanda repository, LLaMA-2-7B, WikiText perplexity): at 50% and 2:4, SparseGPT and Wanda
// far below magnitude. Here: one dense model, then one-shot pruning of every linear layer of the blocks
// (Q, K, V, output projection, both MLP layers; embeddings, layer norms and the head are left alone) at 50%
// unstructured, 2:4 and 4:8, Wanda and SparseGPT with 3 calibration seeds (128 training sequences each), no retraining.
// Settings are the papers' (damping 1%, blocks of 128, 128 calibration sequences, Wanda's per-output groups);
// none was chosen by looking at the test text, which each run reads once.
//
//   apt-get install python3.11-doc
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy quick          # a small model and a short text, for a look
//   bin/secateur table 'runs/gpt-*' --markdown --columns perplexity,dense_perplexity,perplexity_rise,sparsity

boolean quick = 'quick' in args
String corpus = '/usr/share/doc/python3.11/html/_sources' + (quick ? '/tutorial' : '')
// sequences of 128 bytes; a hundredth of the text, in blocks, is the test split (864 sequences, 110,592 tokens);
// the dense model trains on 20,000 training sequences (2.56M tokens) once, in 1,250 steps of 16
def corpusData = quick ? text(corpus, include: '*.txt', context: 64, testFraction: 0.1, test: 200)
                 : text(corpus, include: '*.txt', context: 128, testFraction: 0.01, train: 20000)
List<Long> calibrationSeeds = seedsArgument([1L, 2L, 3L])

def dense = run(baseline('gpt-dense') {
    seed 2023
    model {
        if (quick) {
            train 'gpt-tiny', layers: 2, dModel: 64, heads: 4, mlp: 256, epochs: 2, batch: 16, lr: 3e-3
        } else {
            train 'gpt-tiny', epochs: 1, batch: 16, lr: 3e-3, decay: 'cosine'   // 875,520 parameters
        }
    }
    data corpusData
    evaluate every: 'final', latencyWarmup: 3, latencyRepeats: 10, largeBatch: 8
})
def denseModel = dense.runDir.resolve('model-final.zip').toString()

def patterns = ['50': unstructured(), '2-4': nm(2, 4), '4-8': nm(4, 8)]
def results = []
for (entry in patterns) {
    for (method in ['magnitude', 'wanda', 'sparsegpt']) {
        // magnitude reads no calibration data, so one seed gives all it can
        for (long s in (method == 'magnitude' ? calibrationSeeds.take(1) : calibrationSeeds)) {
            String name = "gpt-${method}-${entry.key}-seed-${s}"
            // Wanda compares within each output row, as its paper does; the others within each layer
            def chosen = method == 'wanda' && entry.key == '50' ? unstructured(perOutput: true) : entry.value
            results << run(experiment(name) {
                seed s
                model { load denseModel }
                data corpusData
                saliency method
                calibration samples: 128
                granularity chosen
                scope layerwise()
                schedule 'one-shot', target: 0.5
                finetune epochs: 0
                evaluate every: 'final', latencyWarmup: 3, latencyRepeats: 10, largeBatch: 8
            })
        }
    }
}
println String.format('%nDense gpt-tiny: perplexity %.3f, next-token accuracy %.2f%%', dense.last.perplexity, 100 * dense.accuracy)
results.each { r ->
    println String.format('%-28s perplexity %8.3f (dense %.3f), next-token accuracy %.2f%%, sparsity %.2f%%', r.experiment,
            r.last.perplexity, r.dense.perplexity, 100 * r.accuracy, 100 * r.sparsity)
}
println "\nMean and spread over the calibration seeds: bin/secateur table 'runs/gpt-*' --markdown " +
        "--columns perplexity,dense_perplexity,perplexity_rise,sparsity"
