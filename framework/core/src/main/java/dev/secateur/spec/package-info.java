/** The input of the flow: an experiment as the user declares it, as validated values. */
package dev.secateur.spec;
