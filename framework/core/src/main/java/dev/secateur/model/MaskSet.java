package dev.secateur.model;

import dev.secateur.model.Network;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The masks in force on a network: one 0/1 array per masked parameter, same shape as the parameter.
 * Structured pruning also masks the bias of removed units, so their output is constant.
 */
public record MaskSet(SortedMap<ParamRef, INDArray> masks) {

    public static final MaskSet NONE = new MaskSet(new TreeMap<>());

    public MaskSet {
        masks = Collections.unmodifiableSortedMap(new TreeMap<>(masks));
    }

    public static MaskSet of(Map<ParamRef, INDArray> masks) {
        return new MaskSet(new TreeMap<>(masks));
    }

    public Optional<INDArray> of(ParamRef ref) {
        return Optional.ofNullable(masks.get(ref));
    }

    public boolean isEmpty() {
        return masks.isEmpty();
    }

    /** Zeroes every masked entry of the network's parameters, in place. */
    public void applyTo(MultiLayerNetwork net) {
        applyTo(Network.of(net));
    }

    public void applyTo(Network net) {
        bind(net).apply();
    }

    /**
     * The masks paired with the parameters they cover, each laid out like its parameter, ready to be
     * applied again and again (after every update of a fine-tuning run).
     */
    public Bound bind(MultiLayerNetwork net) {
        return bind(Network.of(net));
    }

    public Bound bind(Network net) {
        var params = new ArrayList<INDArray>();
        var ordered = new ArrayList<INDArray>();
        masks.forEach((ref, mask) -> {
            var param = net.layer(ref.layer()).getParam(ref.key());
            params.add(param);
            // DL4J keeps dense weights in Fortran order; a C-order mask would take ND4J's strided path,
            // which made fine-tuning 20% slower
            ordered.add(mask.ordering() == param.ordering() ? mask : mask.dup(param.ordering()));
        });
        return new Bound(List.copyOf(params), List.copyOf(ordered));
    }

    /**
     * Masks bound to live parameter views; {@link #apply()} zeroes the masked entries in place. A pruned
     * weight becomes +0.0, never -0.0 (a negative weight times 0 is -0.0; adding +0.0 turns it into +0.0
     * and leaves every other value as it is), so exported weights are zero bit for bit.
     */
    public record Bound(List<INDArray> params, List<INDArray> masks) {
        public void apply() {
            for (int i = 0; i < params.size(); i++) {
                params.get(i).muli(masks.get(i)).addi(0.0f);
            }
        }
    }
}
