package dev.secateur.model;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;

/** Which ND4J native build is loaded (linux-x86_64, -avx2, -avx512, -onednn...), for provenance and benchmarks. */
public final class NativeBackend {

    private NativeBackend() {
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
