/** bin/secateur: runs and plans scripts, lists plugins and exports runs, following each run on the bus. */
package dev.secateur.cli;
