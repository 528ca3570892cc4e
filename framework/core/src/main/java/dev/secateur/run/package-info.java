/** Drives the flow: the coordinator plans each experiment and sends the steps their requests, by handle. */
package dev.secateur.run;
