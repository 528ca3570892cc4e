/** Flow step 3, prune: scores, granularity, scope and target turned into masks, then applied. */
package dev.secateur.prune;
