/** Flow step 3, prune: dead filters and neurons removed physically, projected and explained beforehand. */
package dev.secateur.shrink;
