/** A saliency plugin for flow step 2: Optimal Brain Damage, ½·h·w² with the diagonal Fisher (LeCun et al. 1989). */
package dev.secateur.plugins.obd;
