/** Flow step 1, load: IDX files read into datasets, and the samples drawn from the training split. */
package dev.secateur.data;
