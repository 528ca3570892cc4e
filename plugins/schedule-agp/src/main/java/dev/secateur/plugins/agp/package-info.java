/** A schedule plugin for flow step 3: the cubic ramp of Zhu and Gupta 2017. */
package dev.secateur.plugins.agp;
