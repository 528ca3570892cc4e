/** Watching the flow: Micrometer meter binders for runs, stages and throughput, and /metrics. */
package dev.secateur.metrics;
