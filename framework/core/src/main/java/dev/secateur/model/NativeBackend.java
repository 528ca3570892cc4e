package dev.secateur.model;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.Nd4jCpu;

/** Which ND4J native build is loaded (linux-x86_64, -avx2, -avx512, -onednn...), for provenance and benchmarks. */
public final class NativeBackend {

    /** DL4J 1.0.0-M2.1 reads this property each time a layer is built, and without it keeps its layer helpers off. */
    public static final String HELPERS_DISABLED = "org.eclipse.deeplearning4j.helpers.disable";

    private NativeBackend() {
    }

    /**
     * Lets DL4J's convolution, pooling and batch-normalisation layers run on the native library's oneDNN
     * kernels, when the loaded build has them (the default {@code -onednn} classifier does), instead of
     * DL4J's im2col path: LeNet-5 trains about 4× faster here. DL4J M2.1 turns these helpers off unless told
     * otherwise, and looks for oneDNN under a class name ND4J no longer has ({@link org.nd4j.nativeblas.Nd4jCpu}
     * answers for it). Networks built after this call use them. An explicit
     * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} keeps DL4J's own path, for comparison.
     */
    public static void enableLayerHelpers() {
        if (System.getProperty(HELPERS_DISABLED) == null) {
            System.setProperty(HELPERS_DISABLED, "false");
        }
    }

    /** Whether layers built now run on oneDNN: the helpers are allowed and the loaded build has oneDNN. */
    public static boolean layerHelpersActive() {
        enableLayerHelpers(); // as every Secateur network class does before it builds one
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLED, "true"))
                && Nd4j.getEnvironment().helpersAllowed()
                && Nd4jCpu.Environment.getInstance().isUseMKLDNN();
    }

    /** The platform directory of the loaded libnd4jcpu, such as {@code linux-x86_64-avx2}. */
    public static String variant() {
        Nd4j.getExecutioner(); // make sure the backend is loaded
        return Loader.getLoadedLibraries().values().stream()
                .filter(path -> path.contains("nd4jcpu"))
                .map(path -> {
                    int bindings = path.indexOf("/bindings/");
                    if (bindings < 0) {
                        return path;
                    }
                    int start = bindings + "/bindings/".length();
                    return path.substring(start, path.indexOf('/', start));
                })
                .findFirst().orElse("unknown");
    }
}
