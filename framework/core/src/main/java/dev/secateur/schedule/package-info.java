/** Flow step 3, prune: a schedule plugin's answer turned into the checked steps of a run. */
package dev.secateur.schedule;
