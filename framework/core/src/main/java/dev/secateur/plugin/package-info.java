/** Feeding steps 2 and 3: saliency methods and schedules loaded from plugin jars, per request. */
package dev.secateur.plugin;
