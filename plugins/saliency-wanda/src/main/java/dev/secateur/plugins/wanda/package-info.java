/** A saliency plugin for flow step 2: |w|·‖X‖₂, compared within each output row (Sun et al. 2023). */
package dev.secateur.plugins.wanda;
