/** A saliency plugin for flow step 2: |mean activation| of each unit, a baseline of Molchanov et al. 2016. */
package dev.secateur.plugins.activation;
