/** The plugin SPI, the only API a plugin compiles against: saliency methods score steps 2 and 3, schedules plan step 3. */
package dev.secateur.spi;
