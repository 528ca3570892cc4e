/** A schedule plugin for flow step 3: one step straight to the target. */
package dev.secateur.plugins.oneshot;
