/** A saliency plugin for flow step 2: |mean of z·dL/dz| per unit, L2-normalised per layer (Molchanov et al. 2016). */
package dev.secateur.plugins.taylor;
