/** Flow step 5, evaluate: accuracy, loss, the census of zeros, params and FLOPs, and latency. */
package dev.secateur.evaluate;
