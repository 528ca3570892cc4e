/** Flow step 4, fine-tune: the dense baseline's training, and fine-tuning with the masks held fixed. */
package dev.secateur.finetune;
