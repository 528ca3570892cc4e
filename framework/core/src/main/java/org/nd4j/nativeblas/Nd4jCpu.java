package org.nd4j.nativeblas;

/**
 * The class DL4J 1.0.0-M2.1 looks for before it uses its oneDNN layer helpers. {@code BaseMKLDNNHelper}
 * asks {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()} by reflection, but
 * ND4J M2.1 ships that binding as {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment} with
 * {@code isUseONEDNN()}, so the lookup fails and every convolution, pooling and batch-normalisation layer
 * falls back to DL4J's own im2col path, about 4× slower to train here (docs/results/performance.md).
 * This class answers under the old name with the native library's own answer; nothing else uses it.
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    public static final class Environment {

        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** True when the loaded libnd4j was built with oneDNN and uses it (an {@code -onednn} classifier). */
        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
