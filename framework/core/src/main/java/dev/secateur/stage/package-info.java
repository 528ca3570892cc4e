/** The flow's steps on the bus: loader, scorer, pruner, fine-tuner, evaluator and recorder verticles. */
package dev.secateur.stage;
