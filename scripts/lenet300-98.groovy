// LeNet-300-100 at 98% sparsity (50x fewer nonzero weights), judged against the stronger of the dense model and
// a dense control that retrains on exactly the same examples the same way (issue 30, item 4; target: no more
// than 0.5 points below it, mean of 3 seeds).
//
// Candidate recoveries are compared on a validation split (10,000 held-out training images; seed 1 by default, the
// later choices over seeds 1 and 2); the one chosen there (`chosen` below) is then run once on the test split with
// seeds 7, 8 and 9, beside `stricter`, whose control retrains at the dense rate: the page judges the chosen recipe
// against the strongest of the dense model and both controls. Every pruned run has `control true`. Under a cosine decay the control
// anneals too, and the constant-rate recipe of scripts/lenet300-high-sparsity.groovy is here for reference.
//
// Each seed trains one dense model (10 epochs, Adam 1e-3, batch 128), and every recipe of that seed starts from
// it. Retraining at 1e-3, the dense rate, is learning-rate rewinding for a constant-rate dense training
// (docs/results/recovery.md, section 1); `lr: 2e-3` retrains at twice it; `decay: 'cosine'` lowers the rate to 0
// over each step.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/lenet300-98.groovy validation   # the candidates, validation accuracy, seed 1
//   bin/secateur run scripts/lenet300-98.groovy validation cos-7x2,const-7x2   # only those
//   bin/secateur run scripts/lenet300-98.groovy validation agp-40x1-rec20,agp-20x1-rec10 1,2   # those, seeds 1 and 2
//   bin/secateur run scripts/lenet300-98.groovy test         # the chosen recipe and the one at 1e-3 (the stricter control), test accuracy, seeds 7, 8, 9
//   bin/secateur run scripts/lenet300-98.groovy test agp-20x1-rec10   # another one (the first chosen), the same seeds
//   bin/secateur run scripts/lenet300-98.groovy test agp-40x1-rec20 7,8   # some of the test seeds (one process each)

String mode = args.length > 0 ? args[0] : 'validation'
if (!(mode in ['validation', 'test'])) {
    throw new IllegalArgumentException("unknown mode '${mode}'; give validation or test")
}
boolean validation = mode == 'validation'
def split = validation ? fashionMnist(source: 'installed', validation: 10000) : fashionMnist(source: 'installed')
// `validation NAMES SEEDS` chooses over other seeds than 1; `test NAME SEEDS` runs some of 7, 8 and 9, so that
// seeds can run side by side in separate processes
def testSeeds = [7L, 8L, 9L]
def seeds = args.length > 2 ? args[2].split(',').collect { it as long } : validation ? [1L] : testSeeds
if (!validation && !testSeeds.containsAll(seeds)) {
    throw new IllegalArgumentException("test seeds are ${testSeeds.join(', ')}; '${args[2]}' names another")
}
String prefix = validation ? 'lenet300-98-val' : 'lenet300-98-test'

// name -> how the recipe differs from the base (7 geometric rounds, 2 epochs each at 1e-3, L2 1e-4)
def recipes = [
    'cos-7x2'          : { finetune decay: 'cosine' },
    // AGP (Zhu and Gupta): 20 steps of 1 epoch up a cubic ramp to 98%, then 10 recovery epochs at 98%, each step
    // retrained from 1e-3 down a cosine; 30 epochs in all, against 14
    'agp-20x1-rec10'   : { schedule 'agp', target: 0.98, steps: 20, recovery: 10; finetune epochs: 1, decay: 'cosine' },
    'agp-20x1-rec10-kd': {
        schedule 'agp', target: 0.98, steps: 20, recovery: 10; finetune epochs: 1, decay: 'cosine'
        distill temperature: 4, weight: 0.5
    },
    'agp-20x1-rec10-l2-0': { schedule 'agp', target: 0.98, steps: 20, recovery: 10; finetune epochs: 1, decay: 'cosine', l2: 0 },
    // twice the retraining, as recovery.md's next step proposed after the first test read: 40 steps of 1 epoch,
    // then 20 recovery epochs (60 epochs), with and without L2
    'agp-40x1-rec20'   : { schedule 'agp', target: 0.98, steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine' },
    'agp-40x1-rec20-l2-0': { schedule 'agp', target: 0.98, steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine', l2: 0 },
    // twice that again, the next step recovery.md proposed after the third test read: 80 steps, 40 recovery epochs
    // (120 epochs)
    'agp-80x1-rec40'   : { schedule 'agp', target: 0.98, steps: 80, recovery: 40; finetune epochs: 1, decay: 'cosine' },
    // the same 60 epochs with twice the updates (batch 64), or at twice the rate (2e-3), both as the control too
    'agp-40x1-rec20-b64': { schedule 'agp', target: 0.98, steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine', batch: 64 },
    'agp-40x1-rec20-lr2': { schedule 'agp', target: 0.98, steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine', lr: 2e-3 },
    // the chosen recipe with the 2% chosen by Lee et al.'s layer-adaptive magnitude (LAMP) instead of w: named as
    // the next step after the test read of agp-40x1-rec20-lr2
    'agp-40x1-rec20-lr2-lamp': {
        saliency 'magnitude', norm: 'lamp'
        schedule 'agp', target: 0.98, steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine', lr: 2e-3
    },
    'agp-40x1-rec20-lamp': {
        saliency 'magnitude', norm: 'lamp'
        schedule 'agp', target: 0.98, steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine'
    },
    // the other way from LAMP, which moved weights out of the first layer and lost: more of the 2% in the first
    // layer, fixed per layer, the same 5,324 weights in all. Global magnitude leaves the layers about 98.75%, 93.6%
    // and 53.4% sparse (2,947, 1,911 and 466 weights); these keep 3,674, 1,350 and 300, or 3,300, 1,650 and 374
    'agp-40x1-rec20-lr2-fc1': {
        scope perLayer('0_W': 0.984379, '1_W': 0.955, '2_W': 0.70)
        schedule 'agp', steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine', lr: 2e-3
    },
    'agp-40x1-rec20-lr2-fc1-mid': {
        scope perLayer('0_W': 0.985969, '1_W': 0.945, '2_W': 0.626)
        schedule 'agp', steps: 40, recovery: 20; finetune epochs: 1, decay: 'cosine', lr: 2e-3
    },
    'const-7x2'        : { },   // scripts/lenet300-high-sparsity.groovy's recipe, whose control does not anneal
]
// First chosen on seed 1's validation accuracy against the stronger of the dense model and the control: of the
// three candidates run (cos-7x2 -3.46, agp-20x1-rec10 -1.31, agp-20x1-rec10-kd -1.90 points), AGP without
// distillation (`test agp-20x1-rec10` repeats that test read). Then, over seeds 1 and 2 (`validation
// agp-20x1-rec10,agp-40x1-rec20,agp-40x1-rec20-l2-0 1,2`): agp-20x1-rec10 -1.31 and -1.60, agp-40x1-rec20 -1.29 and
// -0.82, agp-40x1-rec20-l2-0 -1.36 and -1.92 points, so twice the retraining, with L2. Twice that again
// (`validation agp-80x1-rec40 1` and `... 2`, commit dc5f132): -1.08 and -1.16, no better, so not chosen. After
// Adam's tiny values were flushed (commit 37282f6, which rounds differently), `validation
// agp-40x1-rec20,agp-40x1-rec20-b64,agp-40x1-rec20-lr2 1` and `... 2` (commit 46b7c02): -0.99 and -0.93, -0.80 and
// -0.89, -0.41 and -0.36, so the rate of 2e-3. Its own control, retrained at 2e-3 too, ends 0.37 points below the
// one retrained at 1e-3 on the mean, so `test` runs both recipes. After the test read (-0.80 +- 0.40), LAMP in
// place of w (`validation agp-40x1-rec20-lr2-lamp,agp-40x1-rec20-lamp 1` and `... 2`, commit 2d12d44): -0.50 and
// -0.99, -1.24 and -0.94, no better than w, so not chosen. More of the 2% in the first layer (`validation
// agp-40x1-rec20-lr2-fc1,agp-40x1-rec20-lr2-fc1-mid 1` and `... 2`, commit 3b9b297): -0.40 and -0.63, -0.67 and
// -0.76, no better either.
String chosen = 'agp-40x1-rec20-lr2'
// a control retrained at 2e-3 ends below one retrained at 1e-3, so the test reads this recipe's control as well
String stricter = 'agp-40x1-rec20'

// `validation NAME,NAME` runs only those candidates; `test NAME` runs that one on the test seeds
def names = args.length > 1 ? args[1].split(',').toList() : validation ? recipes.keySet().toList() : [chosen, stricter]
if (names.contains(null)) {
    throw new IllegalStateException('no recipe chosen yet: run the validation mode and set `chosen`')
}
names.each { if (!recipes.containsKey(it)) throw new IllegalArgumentException("unknown recipe '${it}'; known: ${recipes.keySet().join(', ')}") }

def results = []
seeds.each { long s ->
    def dense = run(baseline("${prefix}-dense-seed-${s}") {
        seed s
        model { train 'lenet-300-100', epochs: 10, batch: 128, lr: 1e-3 }
        data split
        evaluate every: 'final'
    })
    String trained = dense.runDir.resolve('model-final.zip').toString()
    def base = experiment("${prefix}-base-seed-${s}") {
        seed s
        model { load trained }
        data split
        saliency 'magnitude'
        scope global()
        schedule 'iterative', target: 0.98, steps: 7, ramp: 'geometric'
        finetune epochs: 2, batch: 128, lr: 1e-3, l2: 1e-4
        evaluate every: 'final'
        control true
    }
    names.each { name ->
        results << run(experiment("${prefix}-${name}-seed-${s}", from: base, recipes[name]))
    }
}
println table(results)
results.each { r ->
    double stronger = Math.max(r.dense.accuracy, r.controlAccuracy)
    println String.format('%s: %s accuracy %.2f%%, dense %.2f%%, control %.2f%%, against the stronger %+.2f points',
            r.experiment, validation ? 'validation' : 'test', 100 * r.accuracy, 100 * r.dense.accuracy,
            100 * r.controlAccuracy, 100 * (r.accuracy - stronger))
}
// the chosen recipe against the stricter recipe's control on the same seed, where both ran
seeds.each { long s ->
    def pick = results.find { it.experiment == "${prefix}-${chosen}-seed-${s}".toString() }
    def bar = results.find { it.experiment == "${prefix}-${stricter}-seed-${s}".toString() }
    if (pick != null && bar != null && chosen != stricter) {
        double strongest = [pick.dense.accuracy, pick.controlAccuracy, bar.controlAccuracy].max()
        println String.format('seed %d: %s %.2f%%, against the strongest of dense, its control and %s\'s control %+.2f points',
                s, chosen, 100 * pick.accuracy, stricter, 100 * (pick.accuracy - strongest))
    }
}
