// Integration test: a sweep of four experiments. With "each" they run one after another through run(spec);
// otherwise through runAll(specs), which under --cluster runs them at once on the workers.
def subset = fashionMnist(source: 'embedded', train: 1000, test: 300)
def specs = [0.5, 0.7, 0.8, 0.9].collect { target ->
    experiment("sweep-${(int) Math.round(target * 100)}") {
        seed 7
        model { train 'lenet-300-100', epochs: 1 }
        data subset
        saliency 'magnitude'
        schedule 'one-shot', target: target
        finetune epochs: 1
        evaluate latencyRepeats: 3
    }
}
def results = args.length > 0 && args[0] == 'each' ? specs.collect { run(it) } : runAll(specs)
results.each { println "RESULT ${it.experiment()} ${it.runDir().fileName} ${it.last.accuracy()}" }
