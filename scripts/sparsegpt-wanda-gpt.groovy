// The LLM era in miniature: SparseGPT, Wanda and magnitude on gpt-tiny, a decoder-only transformer trained here on
// the reStructuredText sources of the Python 3.11 documentation (Debian's python3.11-doc), byte by byte.
// The published ordering (Wanda repository, LLaMA-2-7B, WikiText perplexity): at 50% and 2:4, SparseGPT and Wanda
// far below magnitude. Here, from one dense model:
// - oneshot: every linear layer of the blocks (Q, K, V, output projection, both MLP layers; embeddings, layer norms
//   and the head are left alone) pruned once at 50% and 70% unstructured, 2:4 and 4:8, Wanda and SparseGPT with 3
//   calibration seeds (128 training sequences each), no retraining;
// - rows: magnitude at 50% compared within each output row, as Wanda is (scripts/tools/input-norms.groovy says why);
// - recovery: the same at 50% and 2:4 (calibration seed 1), then retrained with the masks held on 2,000 training
//   sequences (256,000 tokens), beside a dense control retrained on the same tokens;
// - heads: a quarter, half and three quarters of every block's attention heads removed physically, by magnitude,
//   Taylor and the oracle; and half the heads with half the MLP channels, for latency against the FLOPs cut.
// Settings are the papers' (damping 1%, blocks of 128, 128 calibration sequences, Wanda's per-output groups); the
// recovery's rate is a tenth of the dense training's peak, not tuned. None of these was chosen by looking at the test
// text; gpt-tiny's initialisation was, as docs/results/llm-era.md#the-initialisation says.
//
//   apt-get install --allow-downgrades python3.11-doc=3.11.2-6+deb12u8   # the text of llm-era.md's tables
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy                      # all three parts
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy heads                # one part (or oneshot, rows, recovery)
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy high                 # only the one-shot runs at 70%
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy heads dense runs/gpt-dense-.../model-final.zip  # reuse a dense model
//   bin/secateur run scripts/sparsegpt-wanda-gpt.groovy quick                # a small model and a short text, for a look
//   bin/secateur table 'runs/gpt-*' --markdown --columns perplexity,dense_perplexity,perplexity_rise,sparsity

boolean quick = 'quick' in args
String corpus = '/usr/share/doc/python3.11/html/_sources' + (quick ? '/tutorial' : '')
// sequences of 128 bytes; a hundredth of the text, in blocks, is the test split (864 sequences, 110,592 tokens);
// the dense model trains on 20,000 training sequences (2.56M tokens) once, in 1,250 steps of 16
def corpusData = quick ? text(corpus, include: '*.txt', context: 64, testFraction: 0.1, test: 200)
                 : text(corpus, include: '*.txt', context: 128, testFraction: 0.01, train: 20000)
List<Long> calibrationSeeds = seedsArgument([1L, 2L, 3L])
def parts = ['oneshot', 'rows', 'recovery', 'heads'].findAll { it in args } ?: ('high' in args ? ['oneshot'] : ['oneshot', 'rows', 'recovery', 'heads'])
int denseAt = args.indexOf('dense')
if (denseAt >= 0 && denseAt + 1 >= args.size()) {
    throw new IllegalArgumentException("the argument 'dense' needs a model after it, such as dense runs/gpt-dense-.../model-final.zip")
}
String denseModel = denseAt >= 0 ? args[denseAt + 1] : null
int blocks = quick ? 2 : 4

if (denseModel == null) {
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
    println String.format('%nDense gpt-tiny: perplexity %.3f, next-token accuracy %.2f%%', dense.last.perplexity, 100 * dense.accuracy)
    denseModel = dense.runDir.resolve('model-final.zip').toString()
}

def patterns = ['50': unstructured(), '2-4': nm(2, 4), '4-8': nm(4, 8), '70': unstructured()]
def results = []

/**
 * One-shot pruning of every linear layer of the blocks, as the papers do it; with recovery data, then retrained once
 * over it with the masks held, beside a dense control retrained on the same tokens.
 */
def oneShot = { String name, String method, String pattern, long s, recoveryData, boolean rows = false ->
    // Wanda compares within each output row, as its paper does; the others within each layer
    boolean unstructuredPattern = pattern in ['50', '70']
    def chosen = (method == 'wanda' || rows) && unstructuredPattern ? unstructured(perOutput: true) : patterns[pattern]
    run(experiment(name) {
        seed s
        model { load denseModel }
        data recoveryData ?: corpusData
        saliency method
        calibration samples: 128
        granularity chosen
        scope layerwise()
        schedule 'one-shot', target: pattern == '70' ? 0.7 : 0.5
        if (recoveryData) {
            finetune epochs: 1, batch: 16, lr: 3e-4, decay: 'cosine'
            control true
        } else {
            finetune epochs: 0
        }
        evaluate every: 'final', latencyWarmup: 3, latencyRepeats: 10, largeBatch: 8
    })
}

if ('heads' in parts) {
    // A head is its columns of Q, K and V and the output projection's rows that read them: one unit group per block,
    // led by the query (bin/secateur plan lists the groups). Block b's query is layer 2 + 8b and its MLP's first
    // layer 7 + 8b. The oracle measures each head removed on the 128 calibration sequences.
    def queries = (0..<blocks).collect { "${2 + 8 * it}_W".toString() }
    def mlps = (0..<blocks).collect { "${7 + 8 * it}_W".toString() }
    /** One-shot structured removal of the named groups' units (heads or MLP channels) at {@code fraction}, no retraining. */
    def remove = { String name, String method, List<String> groups, double fraction ->
        run(experiment(name) {
            seed 1
            model { load denseModel }
            data corpusData
            saliency method
            calibration samples: 128
            granularity neurons()
            scope perLayer(groups.collectEntries { [it, fraction] })
            schedule 'one-shot'
            finetune epochs: 0
            evaluate every: 'final', latencyWarmup: 5, latencyRepeats: 30, largeBatch: 16
        })
    }
    for (double fraction in [0.25, 0.5, 0.75]) {
        for (method in ['magnitude', 'taylor', 'oracle']) {
            results << remove("gpt-heads-${method}-${(int) (100 * fraction)}", method, queries, fraction)
        }
    }
    // half the heads and half the MLP channels, for latency against the FLOPs cut
    for (method in ['magnitude', 'taylor']) {
        results << remove("gpt-heads-mlp-${method}-50", method, queries + mlps, 0.5)
    }
}

if ('rows' in parts) {
    // magnitude compared within each output row, as Wanda is: what Wanda's input norms add, apart from its groups
    results << oneShot('gpt-magnitude-rows-50-seed-1', 'magnitude', '50', 1L, null, true)
}

if ('recovery' in parts) {
    // 2,000 training sequences once: 256,000 tokens (quick: 200 of 64); the control retrains the dense model on the same
    def recoveryData = quick ? text(corpus, include: '*.txt', context: 64, testFraction: 0.1, test: 200, train: 200)
                       : text(corpus, include: '*.txt', context: 128, testFraction: 0.01, train: 2000)
    for (pattern in ['50', '2-4']) {
        for (method in ['magnitude', 'wanda', 'sparsegpt']) {
            results << oneShot("gpt-recovered-${method}-${pattern}", method, pattern, 1L, recoveryData)
        }
    }
}

if ('oneshot' in parts) {
    // 'high' runs only the 70% pattern
    for (String pattern in ('high' in args ? ['70'] : patterns.keySet())) {
        for (method in ['magnitude', 'wanda', 'sparsegpt']) {
            // magnitude reads no calibration data, so one seed gives all it can
            for (long s in (method == 'magnitude' ? calibrationSeeds.take(1) : calibrationSeeds)) {
                results << oneShot("gpt-${method}-${pattern}-seed-${s}", method, pattern, s, null)
            }
        }
    }
}

results.each { r ->
    println String.format('%-32s perplexity %8.3f (dense %.3f%s), next-token accuracy %.2f%%, sparsity %.2f%%', r.experiment,
            r.last.perplexity, r.dense.perplexity, r.hasControl ? String.format(', control %.3f', r.last.controlPerplexity) : '',
            100 * r.accuracy, 100 * r.sparsity)
}
println "\nMean and spread over the calibration seeds: bin/secateur table 'runs/gpt-*' --markdown " +
        "--columns perplexity,dense_perplexity,perplexity_rise,sparsity"
