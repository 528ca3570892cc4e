/** The flow in one JVM: Vert.x, the stage verticles, the coordinator, the stores and the plugins. */
package dev.secateur.runtime;
