/** The flow as a service: bin/secateur serve's HTTP API, its run queue, submitted scripts and their event streams. */
package dev.secateur.server;
