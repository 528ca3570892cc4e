package dev.secateur.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The machine a run ran on, as far as it changes the numbers: training rounds differently on another CPU
 * (oneDNN and OpenBLAS pick kernels by instruction set) and with another thread count.
 *
 * @param cpu      the CPU model, as /proc/cpuinfo names it
 * @param isa      the vector instruction sets that pick kernels, widest first, such as {@code avx512f avx2}
 * @param cores    the processors the JVM may use
 * @param settings the environment variables that change which kernels run or how many threads they use, where set
 */
public record Machine(String cpu, List<String> isa, int cores, Map<String, String> settings) {

    /** Flags that decide which kernels oneDNN and OpenBLAS run, in the order a summary names them. */
    private static final List<String> KERNEL_FLAGS = List.of("amx_tile", "avx512_bf16", "avx512_vnni", "avx512bw", "avx512f",
            "avx2", "fma", "avx", "sse4_2");
    private static final List<String> SETTINGS = List.of("OMP_NUM_THREADS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
            "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS");

    private static final Machine CURRENT = read(Path.of("/proc/cpuinfo"), System.getenv());

    public static Machine current() {
        return CURRENT;
    }

    static Machine read(Path cpuinfo, Map<String, String> env) {
        String model = "unknown";
        Set<String> flags = Set.of();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals("unknown")) {
                    model = value;
                } else if (key.equals("flags") && flags.isEmpty()) {
                    flags = Set.of(value.split("\\s+"));
                }
            }
        } catch (IOException e) {
            // not Linux, or not readable: the model reads as unknown
        }
        var isa = new ArrayList<String>();
        for (String flag : KERNEL_FLAGS) {
            if (flags.contains(flag)) {
                isa.add(flag);
            }
        }
        var settings = new LinkedHashMap<String, String>();
        for (String name : SETTINGS) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                settings.put(name, value);
            }
        }
        return new Machine(model, List.copyOf(isa), Runtime.getRuntime().availableProcessors(), Map.copyOf(settings));
    }

    /** The widest vector instruction set, for one line: AVX-512, AVX2, AVX or none of them. */
    public String widest() {
        return widest(isa);
    }

    /** The widest of these flags, for one line: AVX-512, AVX2, AVX or none of them. */
    public static String widest(List<String> isa) {
        if (isa.contains("avx512f")) {
            return "AVX-512";
        }
        if (isa.contains("avx2")) {
            return "AVX2";
        }
        return isa.contains("avx") ? "AVX" : "no AVX";
    }

    /** For spec.json: the same fields, with the settings sorted by name. */
    public Map<String, Object> json() {
        var json = new LinkedHashMap<String, Object>();
        json.put("cpu", cpu);
        json.put("isa", isa);
        json.put("cores", cores);
        json.put("settings", new TreeMap<>(settings));
        return json;
    }
}
