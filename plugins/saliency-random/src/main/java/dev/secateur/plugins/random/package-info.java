/** A saliency plugin for flow step 2: seeded uniform scores, the control every criterion must beat. */
package dev.secateur.plugins.random;
