/** The output of the flow: one row per step and rank correlations, as values and terminal tables. */
package dev.secateur.result;
