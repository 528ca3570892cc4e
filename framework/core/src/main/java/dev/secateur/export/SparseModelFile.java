package dev.secateur.export;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Network;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A whole network in one file, each parameter stored dense or as {@link RelativeIndexCsr}, whichever is
 * smaller, with the network's configuration, so {@link #read} restores exactly the same model.
 *
 * <p>Layout (big-endian): the magic {@code SECATEUR-SPARSE-1}; the configuration as UTF-8 JSON (int
 * length, bytes); the parameter count; then per parameter its key (UTF), rank, shape (longs), an encoding
 * byte (0 dense, 1 relative-index CSR) and its data: dense as float32 values, CSR as rows, cols, the row
 * ends, the entry count, the one-byte distances and the float32 values.
 */
public final class SparseModelFile {

    private static final String MAGIC = "SECATEUR-SPARSE-1";
    private static final byte DENSE = 0;
    private static final byte CSR = 1;

    private SparseModelFile() {
    }

    /** What one parameter took. */
    public record Entry(String key, long[] shape, long nonzero, String encoding, int fillers, long bytes) {
    }

    /** Bytes as float32 dense against the file, in all and per parameter. */
    public record SizeReport(long denseBytes, long fileBytes, long configurationBytes, List<Entry> entries) {
        public double compression() {
            return (double) denseBytes / fileBytes;
        }
    }

    /** Writes {@code net} to {@code file} atomically and reports the sizes. */
    public static SizeReport write(MultiLayerNetwork net, Path file) {
        return write(Network.of(net), file);
    }

    public static SizeReport write(Network net, Path file) {
        byte[] conf = net.configurationJson().getBytes(StandardCharsets.UTF_8);
        Map<String, INDArray> table = net.paramTable();
        var entries = new ArrayList<Entry>();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
            out.writeUTF(MAGIC);
            out.writeInt(conf.length);
            out.write(conf);
            out.writeInt(table.size());
            for (var param : table.entrySet()) {
                INDArray value = param.getValue();
                if (value.dataType() != DataType.FLOAT) {
                    throw new BadInputException("parameter " + param.getKey() + " is " + value.dataType()
                            + "; the sparse format stores float32 networks only");
                }
                long[] shape = value.shape();
                float[] flat = value.dup('c').reshape(value.length()).toFloatVector();
                int rows = shape.length == 0 ? 1 : (int) shape[0];
                var csr = RelativeIndexCsr.encode(flat, rows, flat.length / Math.max(rows, 1));
                boolean sparse = csr.bytes() < 4L * flat.length;
                out.writeUTF(param.getKey());
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                out.writeByte(sparse ? CSR : DENSE);
                if (sparse) {
                    writeCsr(out, csr);
                } else {
                    for (float v : flat) {
                        out.writeFloat(v);
                    }
                }
                long nonzero = 0;
                for (float v : flat) {
                    nonzero += Float.floatToRawIntBits(v) != 0 ? 1 : 0;
                }
                entries.add(new Entry(param.getKey(), shape, nonzero, sparse ? "csr-relative-8bit" : "dense",
                        sparse ? csr.fillers() : 0, sparse ? csr.bytes() : 4L * flat.length));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new SizeReport(4L * net.numParams(), Files.size(file), conf.length, entries);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Restores the network {@link #write} stored, parameter for parameter bit-identical. */
    public static Network read(Path file) {
        try (var in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = "";
            }
            if (!MAGIC.equals(magic)) {
                throw new BadInputException(file + " is not a Secateur sparse model file (it does not start with "
                        + MAGIC + "); write one with bin/secateur export RUN --format sparse");
            }
            byte[] conf = new byte[in.readInt()];
            in.readFully(conf);
            String json = new String(conf, StandardCharsets.UTF_8);
            Network net;
            if (json.contains("\"vertices\"")) {
                var graph = new ComputationGraph(
                        ComputationGraphConfiguration.fromJson(json));
                graph.init();
                net = Network.of(graph);
            } else {
                var sequential = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
                sequential.init();
                net = Network.of(sequential);
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String key = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                byte encoding = in.readByte();
                float[] flat;
                if (encoding == CSR) {
                    flat = readCsr(in).decode();
                } else if (encoding == DENSE) {
                    long n = 1;
                    for (long d : shape) {
                        n *= d;
                    }
                    flat = new float[(int) n];
                    for (int k = 0; k < flat.length; k++) {
                        flat[k] = in.readFloat();
                    }
                } else {
                    throw new BadInputException(file + ": parameter " + key + " has an unknown encoding " + encoding);
                }
                net.paramTable().get(key).assign(Nd4j.create(flat, shape, 'c'));
            }
            return net;
        } catch (EOFException e) {
            throw new BadInputException(file + " ends early: it is truncated; export it again");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeCsr(DataOutputStream out, RelativeIndexCsr csr) throws IOException {
        out.writeInt(csr.rows());
        out.writeInt(csr.cols());
        for (int end : csr.rowEnds()) {
            out.writeInt(end);
        }
        out.writeInt(csr.entries());
        out.write(csr.gaps());
        for (float v : csr.values()) {
            out.writeFloat(v);
        }
    }

    private static RelativeIndexCsr readCsr(DataInputStream in) throws IOException {
        int rows = in.readInt();
        int cols = in.readInt();
        int[] rowEnds = new int[rows];
        for (int r = 0; r < rows; r++) {
            rowEnds[r] = in.readInt();
        }
        int entries = in.readInt();
        byte[] gaps = new byte[entries];
        in.readFully(gaps);
        float[] values = new float[entries];
        for (int k = 0; k < entries; k++) {
            values[k] = in.readFloat();
        }
        return new RelativeIndexCsr(rows, cols, rowEnds, gaps, values);
    }
}
