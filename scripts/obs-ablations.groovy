// The ablations behind the analysis of scripts/obs-vs-magnitude.groovy: one-shot pruning of a trained
// LeNet-300-100 (0_W and 1_W, layer-wise, no fine-tuning) while one setting changes at a time.
//   - OBD with 256, 1,024 and 4,096 calibration examples;
//   - Wanda and magnitude with the per-output comparison group and with the whole layer;
//   - exact OBS with damping 0.01, 0.1, 1 and 10, and 256 or 512 calibration examples.
//
//   bin/secateur run scripts/obs-ablations.groovy runs/obs-dense-<id>/model-final.zip            # full data
//   bin/secateur run scripts/obs-ablations.groovy runs/obs-dense-<id>/model-final.zip embedded   # the subset

if (args.length < 1) {
    throw new IllegalArgumentException('give the dense model: bin/secateur run scripts/obs-ablations.groovy runs/obs-dense-<id>/model-final.zip')
}
// read at the top: a script's args are not in scope inside an experiment's closure
def dense = args[0]
def subset = args.length > 1 && args[1] == 'embedded'
// the runs of scripts/obs-vs-magnitude.groovy: the dense model pruned in 0_W and 1_W, one-shot, layer-wise,
// without fine-tuning; each ablation changes the criterion, its options, the calibration or the comparison group
def base = experiment('ablation') {
    seed 1993
    model { load dense }
    data subset ? fashionMnist(source: 'embedded') : fashionMnist(source: 'installed')
    scope layerwise(), exclude: ['2_W']
    schedule 'one-shot', target: 0.5
    finetune epochs: 0
}
def rows = []
def oneShot = { String label, String id, Map opts, gran, int samples, double target ->
    def r = run(experiment("ablation-${label}-${(target * 100) as int}", from: base) {
        saliency opts, id
        calibration samples: samples
        granularity gran
        schedule 'one-shot', target: target
    })
    rows << String.format('%-36s %4.0f%%  %6.2f%%', label, 100 * target, 100 * r.accuracy)
}
for (t in [0.5, 0.8]) {
    [256, 1024, 4096].each { n -> oneShot("obd-calibration-${n}", 'obd', [:], unstructured(), n, t) }
}
for (t in [0.5, 0.8, 0.95]) {
    oneShot('wanda-per-output', 'wanda', [:], unstructured(perOutput: true), 1024, t)
    oneShot('wanda-whole-layer', 'wanda', [:], unstructured(), 1024, t)
    oneShot('magnitude-per-output', 'magnitude', [:], unstructured(perOutput: true), 1024, t)
    oneShot('magnitude-whole-layer', 'magnitude', [:], unstructured(), 1024, t)
}
for (d in [0.01, 0.1, 1.0, 10.0]) {
    for (n in [256, 512]) {
        for (t in [0.5, 0.9]) {
            oneShot("obs-exact-damping-${d}-calibration-${n}", 'obs', [mode: 'exact', damping: d], unstructured(), n, t)
        }
    }
}
println "\nOne-shot accuracy without fine-tuning:"
rows.each { println it }
