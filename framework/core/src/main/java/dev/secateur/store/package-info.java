/** Under the flow: the networks, data, scores and masks the steps share in one JVM, by handle. */
package dev.secateur.store;
