package dev.secateur.model.onnx;

import java.util.Arrays;
import dev.secateur.errors.BadInputException;
import java.util.Set;
import onnx.Onnx;

/** A node's attributes, read with their ONNX defaults, and a refusal of any attribute the mapping ignores. */
final class NodeAttributes {

    private final Onnx.NodeProto node;
    private final String origin;

    NodeAttributes(Onnx.NodeProto node, String origin) {
        this.node = node;
        this.origin = origin;
    }

    /** Refuses attributes outside {@code known}, so none is silently ignored. */
    NodeAttributes only(String... known) {
        var allowed = Set.of(known);
        for (var attribute : node.getAttributeList()) {
            if (!allowed.contains(attribute.getName())) {
                throw new BadInputException(origin + ": node '" + node.getName() + "' (" + node.getOpType() + ") has attribute '"
                        + attribute.getName() + "', which Secateur does not map; it reads " + (known.length == 0 ? "none" : String.join(", ", known))
                        + " for " + node.getOpType());
            }
        }
        return this;
    }

    private Onnx.AttributeProto find(String name) {
        for (var attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute;
            }
        }
        return null;
    }

    long integer(String name, long fallback) {
        var a = find(name);
        return a == null ? fallback : a.getI();
    }

    double real(String name, double fallback) {
        var a = find(name);
        return a == null ? fallback : a.getF();
    }

    String text(String name, String fallback) {
        var a = find(name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** An integer list, or {@code fallback} filled to {@code length} when absent. */
    int[] integers(String name, int length, int fallback) {
        var a = find(name);
        if (a == null) {
            int[] values = new int[length];
            Arrays.fill(values, fallback);
            return values;
        }
        return a.getIntsList().stream().mapToInt(Long::intValue).toArray();
    }

    boolean has(String name) {
        return find(name) != null;
    }

    /** A refusal naming this node, its op and what to do. */
    BadInputException refuse(String what) {
        return new BadInputException(origin + ": node '" + node.getName() + "' (" + node.getOpType() + ") " + what);
    }
}
