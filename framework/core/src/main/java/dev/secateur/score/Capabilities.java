package dev.secateur.score;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the scorer can gather for one network, worked out once where the network is: per parameter, the
 * requirements its statistics pass cannot supply and why. It travels with the loader's reply, so a
 * coordinator can refuse a saliency before a run starts without holding the network.
 *
 * @param graph       whether the network is a ComputationGraph
 * @param unsupported per parameter, each requirement the pass cannot supply, with the reason
 */
public record Capabilities(boolean graph, Map<ParamRef, Map<Requirement, String>> unsupported) {

    public Capabilities {
        var copy = new TreeMap<ParamRef, Map<Requirement, String>>();
        unsupported.forEach((ref, reasons) -> copy.put(ref, Map.copyOf(reasons)));
        unsupported = Collections.unmodifiableSortedMap(copy);
    }

    public static Capabilities of(Network network, List<PrunableParam> params) {
        var unsupported = new TreeMap<ParamRef, Map<Requirement, String>>();
        for (var param : params) {
            var reasons = new EnumMap<Requirement, String>(Requirement.class);
            for (var requirement : Requirement.values()) {
                StatisticsPass.unsupported(network, param, requirement).ifPresent(reason -> reasons.put(requirement, reason));
            }
            unsupported.put(param.weights(), reasons);
        }
        return new Capabilities(network.isGraph(), unsupported);
    }

    /**
     * Refuses a method whose requirements cannot be gathered for a parameter in scope, naming the plugin,
     * the parameter and what is missing.
     */
    public void check(SaliencyMethod method, Options options, List<PrunableParam> params) {
        for (var param : params) {
            var reasons = unsupported.getOrDefault(param.weights(), Map.of());
            for (var requirement : method.requirements(options)) {
                String reason = reasons.get(requirement);
                if (reason != null) {
                    throw new BadInputException("saliency '" + method.id() + "' requires " + requirement + " for "
                            + param.weights() + " (" + param.kind().name().toLowerCase(Locale.ROOT) + " layer), which the scorer cannot gather: "
                            + reason + ". Exclude " + param.weights() + " from the scope, or choose a saliency that does not need "
                            + requirement);
                }
            }
        }
    }
}
