/** Flow step 3, prune: Li et al.'s per-layer sensitivity curves and the budget solver over them. */
package dev.secateur.sensitivity;
