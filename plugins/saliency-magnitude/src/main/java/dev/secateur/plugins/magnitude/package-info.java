/** A saliency plugin for flow step 2: |w| or w², Han et al. 2015; with filters() it is Li et al.'s filter L1. */
package dev.secateur.plugins.magnitude;
