/**
 * Beside the flow: cluster mode, Vert.x's clustered event bus over Hazelcast. Workers take independent jobs
 * (sensitivity probes, the oracle's units, a sweep's experiments); a coordinator sends them, ships each worker a
 * model once by its SHA-256, and sends another worker the jobs of one that died.
 */
package dev.secateur.cluster;
