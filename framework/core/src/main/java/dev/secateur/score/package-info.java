/** Flow step 2, score: one statistics pass, each saliency plugin's scores, and rank correlations. */
package dev.secateur.score;
