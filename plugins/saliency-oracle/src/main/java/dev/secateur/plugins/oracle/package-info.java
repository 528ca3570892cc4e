/** A saliency plugin for flow step 2: the measured loss change of removing each unit, the reference of compare. */
package dev.secateur.plugins.oracle;
