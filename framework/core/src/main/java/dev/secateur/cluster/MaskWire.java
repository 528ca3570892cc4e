package dev.secateur.cluster;

import dev.secateur.spi.ParamRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Masks as they cross JVMs: one bit per weight (kept or not), in C order, with the array's shape. */
public final class MaskWire {

    private MaskWire() {
    }

    public static JsonArray encode(Map<ParamRef, INDArray> masks) {
        var json = new JsonArray();
        masks.forEach((ref, mask) -> {
            float[] values = mask.castTo(DataType.FLOAT).dup('c').reshape(mask.length()).toFloatVector();
            var bits = new BitSet(values.length);
            for (int i = 0; i < values.length; i++) {
                if (values[i] != 0) {
                    bits.set(i);
                }
            }
            json.add(new JsonObject().put("param", ref.toString()).put("shape", new JsonArray(Arrays.stream(mask.shape())
                    .boxed().toList())).put("bits", Base64.getEncoder().encodeToString(bits.toByteArray())));
        });
        return json;
    }

    public static Map<ParamRef, INDArray> decode(JsonArray json) {
        var masks = new LinkedHashMap<ParamRef, INDArray>();
        for (Object entry : json) {
            var mask = (JsonObject) entry;
            long[] shape = mask.getJsonArray("shape").stream().mapToLong(d -> ((Number) d).longValue()).toArray();
            long length = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            var bits = BitSet.valueOf(Base64.getDecoder().decode(mask.getString("bits")));
            if (bits.length() > length) {
                throw new IllegalArgumentException("mask of " + mask.getString("param") + " has bits beyond its " + length + " weights");
            }
            float[] values = new float[Math.toIntExact(length)];
            for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
                values[i] = 1f;
            }
            masks.put(ParamRef.parse(mask.getString("param")), Nd4j.create(values, shape, 'c'));
        }
        return masks;
    }
}
