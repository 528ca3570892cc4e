/** A schedule plugin for flow step 3: n rounds of prune then fine-tune, linear or geometric (Han et al. 2015). */
package dev.secateur.plugins.iterative;
