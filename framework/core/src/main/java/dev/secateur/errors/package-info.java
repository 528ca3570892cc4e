/** Beside the flow: bad input, a plugin that broke its contract, and closest-match suggestions. */
package dev.secateur.errors;
