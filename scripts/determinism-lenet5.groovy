// Does a convolutional run give the same figures every time, and how much do they move with the CPU's kernels
// and the thread count? LeNet-5 on the embedded subset (seed 5): trained 2 epochs, 40% of its filters and
// neurons by L1 norm in two rounds, each retrained an epoch, then removed physically. Convolutions run in
// oneDNN, the dense layers' products in OpenBLAS, so both libraries' kernel choices can move the figures.
// docs/results/determinism.md runs it several ways and tabulates the run directories with bin/secateur table --each.
//
//   bin/secateur run scripts/determinism-lenet5.groovy                                  # as it comes
//   DNNL_MAX_CPU_ISA=AVX2 bin/secateur run scripts/determinism-lenet5.groovy            # oneDNN's AVX2 kernels
//                                                      (this oneDNN ignores ONEDNN_MAX_CPU_ISA)
//   OPENBLAS_CORETYPE=Haswell bin/secateur run scripts/determinism-lenet5.groovy        # OpenBLAS's AVX2 kernels
//   OMP_NUM_THREADS=2 bin/secateur run scripts/determinism-lenet5.groovy                # two threads

def result = run(experiment('determinism-lenet5') {
    seed 5
    model { train 'lenet-5', epochs: 2, batch: 64, lr: 1e-3 }
    data fashionMnist(source: 'embedded')
    saliency 'magnitude', norm: 'l1'
    granularity filters()
    scope layerwise()
    schedule 'iterative', target: 0.4, steps: 2
    finetune epochs: 1, lr: 1e-3
    evaluate every: 'step'
})
println "LeNet-5: ${String.format('%.2f', 100 * result.dense.accuracy)}% dense, ${String.format('%.2f', 100 * result.accuracy)}% "
        + "after removing 40% of its filters and neurons"
