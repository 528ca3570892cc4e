/** The output of the flow on disk: the run directory and the recorder, its only writer. */
package dev.secateur.record;
