// Which recovery method buys what: LeNet-300-100 pruned to 95% by global magnitude in 5 geometric rounds
// (Han et al. 2015's recipe), with the same sparsity and the same retraining examples for every method:
//
//   fine-tuning at a small constant rate (1e-4, a tenth of the dense training's)
//   learning-rate rewinding (Renda et al. 2020): retraining at the dense training's rate, 1e-3
//   lottery-ticket rewinding (Frankle et al. 2020) to iteration 500 and to initialisation (Frankle & Carbin 2019)
//   distillation from the dense model (Hinton et al. 2015), temperature 4, weight 0.5, at 1e-4 and at 1e-3
//
// Every run trains its own dense model with the same seed (rewinding needs the dense training's early
// weights), so step 0 is the same network everywhere, and every run has a dense control that retrains on
// exactly the pruned model's examples. Settings are chosen here, on 10,000 training images held out as a
// validation split; the test split is not read. scripts/lenet300-high-sparsity.groovy then reports test
// accuracy, once, for the setting chosen.
//
//   apt-get install dataset-fashion-mnist
//   bin/secateur run scripts/recovery-ablation.groovy
//   bin/secateur run scripts/recovery-ablation.groovy quick    # the embedded subset, for a look in a minute

boolean quick = args.length > 0 && args[0] == 'quick'
int denseEpochs = quick ? 2 : 10
int roundEpochs = quick ? 1 : 2
def split = quick ? fashionMnist(source: 'embedded', validation: 1000) : fashionMnist(source: 'installed', validation: 10000)

def fineTuning = experiment('ablation-finetune') {
    seed 1
    model { train 'lenet-300-100', epochs: denseEpochs, batch: 128, lr: 1e-3 }
    data split
    saliency 'magnitude'
    scope global()
    schedule 'iterative', target: 0.95, steps: 5, ramp: 'geometric'
    finetune epochs: roundEpochs, batch: 128, lr: 1e-4, l2: 1e-4
    evaluate every: 'final'
    control true
}
def specs = [
    fineTuning,
    experiment('ablation-lr-rewind') { from fineTuning; rewind 'lr' },
    experiment('ablation-ticket-500') { from fineTuning; rewind 'weights', iteration: quick ? 20 : 500 },
    experiment('ablation-ticket-0') { from fineTuning; rewind 'weights', iteration: 0 },
    experiment('ablation-distill') { from fineTuning; distill temperature: 4, weight: 0.5 },
    experiment('ablation-distill-lr-rewind') { from fineTuning; rewind 'lr'; distill temperature: 4, weight: 0.5 },
]
def results = runAll(specs)

println "\nLeNet-300-100 at 95% sparsity, validation accuracy (10,000 held-out training images), the same retraining for every method"
println table(results)
def best = results.max { it.accuracyVsControl }
println String.format('best against its control: %s, %.2f%% (%+.2f points against a control at %.2f%%)', best.experiment,
        100 * best.accuracy, 100 * best.accuracyVsControl, 100 * best.controlAccuracy)
