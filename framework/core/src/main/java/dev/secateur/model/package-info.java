/** Flow step 1, load: DL4J networks, their prunable parameters and unit groups, and their masks. */
package dev.secateur.model;
