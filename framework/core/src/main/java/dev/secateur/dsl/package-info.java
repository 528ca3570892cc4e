/** Before the flow: Groovy scripts declare experiment specs and submit them on the bus. */
package dev.secateur.dsl;
