// What the build runs once with -XX:ArchiveClassesAtExit, so that the class-data archive bin/secateur starts
// from holds the classes a run loads: the DSL, the bus and its stages, training, scoring, pruning (unstructured
// and structured), evaluation and the report, for a dense and a convolutional network. A few seconds, on the
// embedded subset; its run directories stay in framework/cli/target/cds-workload-runs.
def subset = fashionMnist(source: 'embedded', train: 256, test: 128)
run(experiment('cds-dense') {
    seed 1
    model { train 'lenet-300-100', epochs: 1 }
    data subset
    saliency 'magnitude'
    granularity unstructured()
    scope global()
    schedule 'iterative', target: 0.5, steps: 2
    finetune epochs: 1
    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
})
run(experiment('cds-conv') {
    seed 1
    model { train 'lenet-5', epochs: 1 }
    data subset
    saliency 'taylor'
    granularity filters()
    scope layerwise()
    schedule 'one-shot', target: 0.25
    finetune epochs: 1
    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
})
