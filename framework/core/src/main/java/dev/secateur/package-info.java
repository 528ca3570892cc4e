/**
 * Secateur's core. The packages, in the order the data flows:
 * <ol>
 *   <li>{@code spec}, {@code dsl}: what a user declares, and the Groovy scripts that declare it;</li>
 *   <li>{@code bus}, {@code run}: the messages, and the coordinator that sends them;</li>
 *   <li>{@code data}, {@code model}: step 1, load;</li>
 *   <li>{@code score}: step 2, score;</li>
 *   <li>{@code prune}, {@code schedule}, {@code sensitivity}, {@code shrink}: step 3, prune;</li>
 *   <li>{@code finetune}: step 4, fine-tune;</li>
 *   <li>{@code evaluate}: step 5, evaluate;</li>
 *   <li>{@code result}, {@code record}: what a run yields, and the run directory that keeps it;</li>
 *   <li>{@code store}, {@code stage}, {@code runtime}, {@code metrics}: handles, verticles, start-up and meters;</li>
 *   <li>{@code plugin}, {@code config}, {@code errors}, {@code export}: beside the flow.</li>
 * </ol>
 * docs/architecture.md has the same map, the bus addresses and the layering rules, which
 * framework/architecture's ArchUnit tests enforce.
 */
package dev.secateur;
