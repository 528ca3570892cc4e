/** A saliency plugin for flow steps 2 and 3: Optimal Brain Surgeon, which also moves the weights that stay. */
package dev.secateur.plugins.obs;
